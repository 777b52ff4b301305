using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages.Admin;

/// <summary>
/// An admin page that lists something from the API and runs one action on it: the action's outcome or the API's
/// refusal is shown above the refreshed list.
/// </summary>
public abstract class AdminActionPage : PageModel
{
    public string? Message { get; private set; }

    public string? ErrorMessage { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await RefreshAsync(cancellationToken);

    /// <summary>Reads what the page lists.</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="action"/>, whose result is the sentence to show, then lists again.</summary>
    protected async Task<IActionResult> ActAsync(Func<Task<string>> action, CancellationToken cancellationToken)
    {
        try
        {
            Message = await action();
        }
        catch (BackendException e)
        {
            ErrorMessage = e.Message;
        }

        await RefreshAsync(cancellationToken);
        return Page();
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoadAsync(cancellationToken);
        }
        catch (BackendException e)
        {
            ErrorMessage ??= e.Message;
        }
    }
}
