using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages;

/// <summary>The serving model: version, provenance, test metrics, per-class results, calibration and confusion matrix.</summary>
public sealed class ModelModel(BackendClient backend) : PageModel
{
    public ModelCard? Card { get; private set; }

    public string? ErrorMessage { get; private set; }

    /// <summary>Model–reviewer agreement per version, newest first; null when the API could not give it.</summary>
    public IReadOnlyList<VersionAgreement>? Agreement { get; private set; }

    public string? AgreementError { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            Card = await backend.GetModelAsync(cancellationToken);
        }
        catch (BackendException e)
        {
            ErrorMessage = e.Message;
        }

        await LoadAgreementAsync(cancellationToken);
    }

    private async Task LoadAgreementAsync(CancellationToken cancellationToken)
    {
        try
        {
            var answer = await backend.GetModelAgreementAsync(cancellationToken);
            Agreement = [.. (answer.Versions ?? []).OrderByDescending(v => v.ModelVersion)];
        }
        catch (BackendException e)
        {
            // The rest of the page stands without it (an API older than case reviews has no agreement to give).
            AgreementError = e.Message;
        }
    }

    /// <summary>Display name of the class at <paramref name="index"/>, preferring the names the model card carries.</summary>
    public string ClassDisplayName(int index) =>
        Card?.DisplayNames is { } names && index < names.Count ? names[index] : ClassLabels.DisplayName(index);
}
