using AllClassifier.Web.Backend;
using AllClassifier.Web.Retraining;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Pages;

/// <summary>How many corrections have been collected and how far they are from triggering a retraining.</summary>
public sealed class FeedbackModel(BackendClient backend, IOptions<RetrainingOptions> retraining) : PageModel
{
    public RetrainingProgress? Progress { get; private set; }

    public int Threshold => retraining.Value.Threshold;

    public string? ErrorMessage { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            Progress = new RetrainingProgress(await backend.GetFeedbackCountAsync(cancellationToken), Threshold);
        }
        catch (BackendException e)
        {
            ErrorMessage = e.Message;
        }
    }
}
