using AllClassifier.Web.Backend;
using AllClassifier.Web.Pages;
using AllClassifier.Web.Pages.Cases;

namespace AllClassifier.Web.Tests.Pages;

public sealed class CaseTextTests
{
    [Theory]
    [InlineData("web:reviewer1", "reviewer1")]
    [InlineData("web:anna:b", "anna:b")]
    [InlineData("lims", "lims")]
    [InlineData("web:", "web:")]
    [InlineData(null, "–")]
    public void A_caller_name_is_shown_as_its_person(string? caller, string shown) =>
        Assert.Equal(shown, LabFormat.Person(caller));

    [Fact]
    public void Every_contract_reason_code_has_plain_words_and_an_unknown_code_still_reads()
    {
        Assert.Equal("Too little image content to hold a cell", ReferralReasons.Text("too_little_content"));
        Assert.Equal("Unusual stain colours", ReferralReasons.Text("unusual_stain"));
        Assert.Equal(6, ReferralReasons.Codes.Count);
        Assert.Equal("Motion blur", ReferralReasons.Text("motion_blur"));
    }

    [Fact]
    public void The_sign_off_refusal_counts_unreviewed_and_undecided_referred_images()
    {
        CaseImage Image(bool refer, string? decision) => new(
            Guid.NewGuid().ToString("N"), "f.png", DateTimeOffset.UnixEpoch, "web:a", [0.1, 0.2, 0.6, 0.1], 2, "Pre", 1, refer,
            refer ? ["out_of_focus"] : [], null, decision is null ? null : new CaseReview(decision, "web:a", DateTimeOffset.UnixEpoch));
        var detail = new CaseDetail("c", "S-1", "open", DateTimeOffset.UnixEpoch, "web:a",
            [Image(false, null), Image(true, null), Image(true, "NotAssessable"), Image(false, "Pre")], null, null, [1], null);

        Assert.Equal(
            "Sign-off refused: 2 images have no review yet (1 of them referred to a technologist). Review every image, then sign off.",
            CaseModel.SignOffRefusal(detail));
        Assert.Equal(["a"], detail.Reviewers.Select(LabFormat.Person));
    }
}
