using System.Net;
using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages.Cases;

/// <summary>
/// The printable report of a case: identifier, per-class summary, every image with its decision, model version(s), who
/// reviewed and who signed, and when. The browser prints it (or saves it as PDF) with the print stylesheet.
/// </summary>
public sealed class ReportModel(BackendClient backend, TimeProvider time) : PageModel
{
    public CaseDetail? Case { get; private set; }

    public string? ErrorMessage { get; private set; }

    public DateTimeOffset PrintedAt { get; private set; }

    public async Task OnGetAsync(string id, CancellationToken cancellationToken)
    {
        PrintedAt = time.GetUtcNow();
        try
        {
            Case = await backend.GetCaseAsync(id, cancellationToken);
        }
        catch (BackendException e)
        {
            ErrorMessage = e.Message;
            if (e.StatusCode == HttpStatusCode.NotFound)
            {
                Response.StatusCode = StatusCodes.Status404NotFound;
            }
        }
    }
}
