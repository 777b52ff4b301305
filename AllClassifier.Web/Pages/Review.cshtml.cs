using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages;

/// <summary>
/// The review queue: unreviewed images of every open case, referred first, then those the model is least sure of, so
/// a technologist's time goes where it is worth most. Each can be confirmed or corrected here; a correction is stored
/// for retraining by the API.
/// </summary>
public sealed class ReviewModel(BackendClient backend) : PageModel
{
    public const int Listed = 50;

    [BindProperty]
    public string? CaseId { get; set; }

    [BindProperty]
    public string? PredictionId { get; set; }

    [BindProperty]
    public string? Decision { get; set; }

    public IReadOnlyList<QueueItem> Items { get; private set; } = [];

    public string? ErrorMessage { get; private set; }

    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostReviewAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(CaseId) || string.IsNullOrEmpty(PredictionId) || !ClassLabels.IsDecision(Decision))
        {
            ErrorMessage = "Choose a class, or \"Not assessable\", for the image.";
        }
        else
        {
            try
            {
                await backend.ReviewCaseImageAsync(CaseId, PredictionId, Decision!, cancellationToken);
                return RedirectToPage("/Review");
            }
            catch (BackendException e)
            {
                ErrorMessage = e.Message;
            }
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            Items = await backend.GetReviewQueueAsync(Listed, cancellationToken);
        }
        catch (BackendException e)
        {
            ErrorMessage ??= e.Message;
        }
    }
}
