using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages.Admin;

/// <summary>Admins review the newest corrections and delete one, e.g. on a patient's request or a wrong upload.</summary>
public sealed class FeedbackRowsModel(BackendClient backend) : PageModel
{
    public const int Listed = 100;

    public IReadOnlyList<FeedbackRow> Rows { get; private set; } = [];

    public string? Message { get; private set; }

    public string? ErrorMessage { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostDeleteAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            var deletion = await backend.DeleteFeedbackRowAsync(id, cancellationToken);
            Message = $"Deleted correction {id}; {deletion.FeedbackCount} remain.";
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
            Rows = await backend.ListFeedbackRowsAsync(Listed, cancellationToken);
        }
        catch (BackendException e)
        {
            ErrorMessage ??= e.Message;
        }
    }
}
