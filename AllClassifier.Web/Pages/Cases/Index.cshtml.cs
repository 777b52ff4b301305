using System.Text.RegularExpressions;
using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages.Cases;

/// <summary>
/// The lab's cases: one per sample, named by its accession or slide identifier (never a patient's name), open until a
/// reviewer signs it off. Lists open or signed cases and opens new ones.
/// </summary>
public sealed partial class IndexModel(BackendClient backend) : PageModel
{
    public static IReadOnlyList<string> Statuses { get; } = [CaseSummary.Open, CaseSummary.Signed, "all"];

    [BindProperty]
    public string? Accession { get; set; }

    /// <summary>Which cases are listed: <c>open</c> (the default), <c>signed</c> or <c>all</c>.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    public IReadOnlyList<CaseSummary> Cases { get; private set; } = [];

    public string? ErrorMessage { get; private set; }

    public string ListedStatus => Status is { } status && Statuses.Contains(status) ? status : CaseSummary.Open;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var accession = Accession?.Trim();
        if (accession is null || !AccessionPattern().IsMatch(accession))
        {
            ErrorMessage = "Enter the sample's accession or slide identifier: 1 to 64 letters, digits or - _ . / " +
                "(no patient names).";
            await LoadAsync(cancellationToken);
            return Page();
        }

        try
        {
            var created = await backend.CreateCaseAsync(accession, cancellationToken);
            return RedirectToPage("/Cases/Case", new { id = created.CaseId });
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
            Cases = await backend.ListCasesAsync(ListedStatus, cancellationToken);
        }
        catch (BackendException e)
        {
            ErrorMessage ??= e.Message;
        }
    }

    /// <summary>The API's rule for an accession; checked here too so a typo gets its sentence before any call.</summary>
    [GeneratedRegex("^[A-Za-z0-9._/-]{1,64}$")]
    public static partial Regex AccessionPattern();
}
