using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Mvc;

namespace AllClassifier.Web.Pages.Admin;

/// <summary>
/// Admins see every registered model version and may promote a challenger the trainer kept back, e.g. after
/// reviewing it on data the test split does not cover.
/// </summary>
public sealed class ModelsModel(BackendClient backend) : AdminActionPage
{
    public IReadOnlyList<ModelVersion> Versions { get; private set; } = [];

    public Task<IActionResult> OnPostPromoteAsync(int version, CancellationToken cancellationToken) =>
        ActAsync(async () =>
        {
            var promotion = await backend.PromoteAsync(version, cancellationToken);
            return $"Version {promotion.Champion} is now the champion" + (promotion.Previous is { } previous ? $" (was {previous})." : ".");
        }, cancellationToken);

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Versions = await backend.ListModelVersionsAsync(cancellationToken);
}
