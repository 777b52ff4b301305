namespace AllClassifier.Web.Pages.Shared;

/// <summary>The class probability bars of one prediction (<c>_Probabilities</c>).</summary>
public sealed record ProbabilityBars(IReadOnlyList<double> Probabilities, int PredictedClass);

/// <summary>
/// A select of what a person may answer about an image (<c>_DecisionSelect</c>): the four classes and "Not
/// assessable". With no <see cref="Selected"/> value it starts on an empty choice the form refuses, so nothing is
/// preselected for a referred image.
/// </summary>
public sealed record DecisionSelect(string Id, string Name, string? Selected, string Label = "Decision");

/// <summary>A referral's headline and its reasons in plain words (<c>_Referral</c>).</summary>
public sealed record ReferralNotice(IReadOnlyList<string>? ReasonCodes, bool Compact = false);

/// <summary>
/// The review forms of one case image (<c>_ReviewActions</c>), posted to <see cref="Action"/>: confirm the model's
/// class, or choose another class or "Not assessable". A referred image offers no confirmation: it has no class to
/// confirm, and its choice starts empty.
/// </summary>
public sealed record ReviewActionsView(AllClassifier.Web.Backend.CaseImage Image, string CaseId, string Action);
