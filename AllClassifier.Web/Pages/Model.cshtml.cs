using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages;

/// <summary>The serving model: version, provenance, test metrics, per-class results, calibration and confusion matrix.</summary>
public sealed class ModelModel(BackendClient backend) : PageModel
{
    public ModelCard? Card { get; private set; }

    public string? ErrorMessage { get; private set; }

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
    }

    /// <summary>Display name of the class at <paramref name="index"/>, preferring the names the model card carries.</summary>
    public string ClassDisplayName(int index) =>
        Card?.DisplayNames is { } names && index < names.Count ? names[index] : ClassLabels.DisplayName(index);
}
