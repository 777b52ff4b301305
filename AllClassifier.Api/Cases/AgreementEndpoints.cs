using AllClassifier.Feedback;
using AllClassifier.Feedback.Audit;
using System.Globalization;
using AllClassifier.Api.Access;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Serving;
using AllClassifier.Model;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AllClassifier.Api.Cases;

public sealed record ClassAgreement(string ClassName, int Reviewed, int Agreed, double? Agreement);

public sealed record VersionAgreement(int ModelVersion, bool Serving, int Reviewed, int NotAssessable, double? Agreement, double? Kappa, IReadOnlyList<ClassAgreement> PerClass);

public sealed record AgreementResponse(IReadOnlyList<VersionAgreement> Versions);

/// <summary>
/// How often reviewers agree with each model version, from reviewed case images: overall, per class (of the
/// reviewer's decision) and as Cohen's kappa, which discounts the agreement two raters would reach by chance given how
/// often each uses each class. Images reviewed as not assessable are counted apart and left out of both.
/// </summary>
public static class AgreementEndpoints
{
    public static IEndpointRouteBuilder MapAgreementEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/model").WithTags("Model").RequireAuthorization(ApiPolicies.Feedback)
            .MapGet("/agreement", GetAgreement)
            .WithName("GetModelAgreement")
            .WithSummary("Model-reviewer agreement and Cohen's kappa per model version (newest first) from reviewed case images.");
        return app;
    }

    private static async Task<Ok<AgreementResponse>> GetAgreement(AuditLedger ledger, ModelHolder holder, CancellationToken cancellationToken)
    {
        var pairs = await ledger.ReadAsync(
            async connection =>
            {
                await using var select = connection.CreateCommand();
                select.CommandText = $"SELECT model_version, predicted_class, decision FROM {AuditTables.CaseImages} WHERE decision IS NOT NULL";
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                var rows = new List<(int Version, int Predicted, string Decision)>();
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add((Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), reader.GetString(2)));
                }

                return rows;
            },
            cancellationToken);
        var serving = holder.Current?.Version;
        return TypedResults.Ok(new AgreementResponse([.. pairs
            .GroupBy(pair => pair.Version)
            .OrderByDescending(group => group.Key)
            .Select(group => Of(group.Key, group.Key == serving, [.. group.Select(pair => (pair.Predicted, pair.Decision))]))]));
    }

    /// <summary>The agreement of one version's predictions with its reviews.</summary>
    public static VersionAgreement Of(int version, bool serving, IReadOnlyList<(int Predicted, string Decision)> reviews)
    {
        var rated = reviews
            .Where(review => review.Decision != FeedbackVerdict.NotAssessable)
            .Select(review => (review.Predicted, Reviewer: (int)CellClasses.Parse(review.Decision)))
            .ToList();
        var n = rated.Count;
        var agreed = rated.Count(pair => pair.Predicted == pair.Reviewer);
        var perClass = CellClasses.All
            .Select(cellClass =>
            {
                var ofClass = rated.Where(pair => pair.Reviewer == (int)cellClass).ToList();
                var agreedOfClass = ofClass.Count(pair => pair.Predicted == pair.Reviewer);
                return new ClassAgreement(cellClass.Name(), ofClass.Count, agreedOfClass, ofClass.Count == 0 ? null : Round((double)agreedOfClass / ofClass.Count));
            })
            .ToList();
        return new VersionAgreement(version, serving, n, reviews.Count - n, n == 0 ? null : Round((double)agreed / n), Kappa(rated), perClass);
    }

    /// <summary>Cohen's kappa, (p_o - p_e) / (1 - p_e); undefined (null) without ratings or when chance agreement is certain.</summary>
    public static double? Kappa(IReadOnlyList<(int Predicted, int Reviewer)> rated)
    {
        if (rated.Count == 0)
        {
            return null;
        }

        double n = rated.Count;
        var observed = rated.Count(pair => pair.Predicted == pair.Reviewer) / n;
        var chance = Enumerable.Range(0, CellClasses.Count)
            .Sum(k => rated.Count(pair => pair.Predicted == k) / n * (rated.Count(pair => pair.Reviewer == k) / n));
        return chance >= 1 ? null : Round((observed - chance) / (1 - chance));
    }

    private static double Round(double value) => Math.Round(value, 4);
}
