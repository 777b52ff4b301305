using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc;

namespace AllClassifier.Web.Pages.Admin;

/// <summary>Admins review the newest corrections and delete one, e.g. on a patient's request or a wrong upload.</summary>
public sealed class FeedbackRowsModel(BackendClient backend) : AdminActionPage
{
    public const int Listed = 100;

    public IReadOnlyList<FeedbackRow> Rows { get; private set; } = [];

    public const string NotErasedNote =
        " Its image is still in the database's files because another program (the trainer) was reading them; the next deletion erases it.";

    public Task<IActionResult> OnPostDeleteAsync(long id, CancellationToken cancellationToken) =>
        ActAsync(
            async () =>
            {
                var deletion = await backend.DeleteFeedbackRowAsync(id, cancellationToken);
                return $"Deleted correction {id}; {deletion.FeedbackCount} remain.{(deletion.Erased ? "" : NotErasedNote)}";
            },
            cancellationToken);

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Rows = await backend.ListFeedbackRowsAsync(Listed, cancellationToken);
}
