using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc;

namespace AllClassifier.Web.Pages.Admin;

/// <summary>Admins review the newest corrections and delete one, e.g. on a patient's request or a wrong upload.</summary>
public sealed class FeedbackRowsModel(BackendClient backend) : AdminActionPage
{
    public const int Listed = 100;

    public IReadOnlyList<FeedbackRow> Rows { get; private set; } = [];

    public Task<IActionResult> OnPostDeleteAsync(long id, CancellationToken cancellationToken) =>
        ActAsync(async () => $"Deleted correction {id}; {(await backend.DeleteFeedbackRowAsync(id, cancellationToken)).FeedbackCount} remain.", cancellationToken);

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Rows = await backend.ListFeedbackRowsAsync(Listed, cancellationToken);
}
