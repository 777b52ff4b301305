using AllClassifier.Api.Cases;

namespace AllClassifier.Api.Tests.Audit;

public sealed class AgreementTests
{
    [Fact]
    public void Kappa_discounts_chance_agreement()
    {
        // 8 of 10 agree; both raters use each of two classes half the time, so chance agreement is 0.5.
        (int, int)[] rated = [(0, 0), (0, 0), (0, 0), (0, 0), (1, 1), (1, 1), (1, 1), (1, 1), (0, 1), (1, 0)];
        Assert.Equal(0.6, AgreementEndpoints.Kappa(rated));

        // Agreement no better than chance is 0 whatever the raw agreement.
        Assert.Equal(0, AgreementEndpoints.Kappa([(0, 0), (0, 1), (1, 0), (1, 1)]));
        Assert.Null(AgreementEndpoints.Kappa([]));
        Assert.Null(AgreementEndpoints.Kappa([(2, 2), (2, 2)]));
    }

    [Fact]
    public void Not_assessable_reviews_are_counted_apart_and_per_class_agreement_follows_the_reviewer()
    {
        var agreement = AgreementEndpoints.Of(3, serving: true, [(0, "Benign"), (0, "Benign"), (1, "Benign"), (2, "Pre"), (3, "NotAssessable")]);

        Assert.Equal((3, true, 4, 1, 0.75), (agreement.ModelVersion, agreement.Serving, agreement.Reviewed, agreement.NotAssessable, agreement.Agreement));
        var benign = agreement.PerClass.Single(c => c.ClassName == "Benign");
        Assert.Equal((3, 2, 0.6667), (benign.Reviewed, benign.Agreed, benign.Agreement!.Value));
        Assert.Null(agreement.PerClass.Single(c => c.ClassName == "Pro").Agreement);
    }
}
