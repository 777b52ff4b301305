using AllClassifier.Web.Backend;
using AllClassifier.Web.Retraining;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages;

/// <summary>
/// How many corrections have been collected and how far those stored since the last training are from triggering a
/// retraining: the API's numbers, which are the trainer's, so the page and the pipeline never disagree.
/// </summary>
public sealed class FeedbackModel(BackendClient backend) : PageModel
{
    public RetrainingProgress? Progress { get; private set; }

    public string? ErrorMessage { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            Progress = RetrainingProgress.From(await backend.GetFeedbackCountAsync(cancellationToken));
        }
        catch (BackendException e)
        {
            ErrorMessage = e.Message;
        }
    }
}
