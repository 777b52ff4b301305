using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages.Admin;

/// <summary>
/// Admins see every registered model version and may promote a challenger the trainer kept back, e.g. after
/// reviewing it on data the test split does not cover.
/// </summary>
public sealed class ModelsModel(BackendClient backend) : PageModel
{
    public IReadOnlyList<ModelVersion> Versions { get; private set; } = [];

    public string? Message { get; private set; }

    public string? ErrorMessage { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostPromoteAsync(int version, CancellationToken cancellationToken)
    {
        try
        {
            var promotion = await backend.PromoteAsync(version, cancellationToken);
            Message = $"Version {promotion.Champion} is now the champion" + (promotion.Previous is { } previous ? $" (was {previous})." : ".");
        }
        catch (BackendException e)
        {
            ErrorMessage = e.Message;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            Versions = await backend.ListModelVersionsAsync(cancellationToken);
        }
        catch (BackendException e)
        {
            ErrorMessage ??= e.Message;
        }
    }
}
