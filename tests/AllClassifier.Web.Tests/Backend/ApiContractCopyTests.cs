using System.Reflection;
using AllClassifier.Api.Errors;
using AllClassifier.Feedback;
using AllClassifier.Model;
using AllClassifier.Web.Backend;
using ApiUploads = AllClassifier.Api.Uploads.UploadOptions;
using ModelReasons = AllClassifier.Model.Referral.ReferralReasons;
using WebUploads = AllClassifier.Web.Classify.UploadOptions;

namespace AllClassifier.Web.Tests.Backend;

/// <summary>
/// The web app talks to the API over HTTP only, so it holds its own copy of the parts of the API's public contract it
/// acts on. The API defines each of them; these tests keep the copies equal to the definitions.
/// </summary>
public sealed class ApiContractCopyTests
{
    [Fact]
    public void Class_names_display_names_and_the_not_assessable_verdict_are_the_APIs()
    {
        Assert.Equal(CellClasses.Names, ClassLabels.Names);
        Assert.Equal(CellClasses.DisplayNames, ClassLabels.DisplayNames);
        Assert.Equal(FeedbackVerdict.NotAssessable, ClassLabels.NotAssessable);
    }

    [Fact]
    public void Every_referral_reason_the_API_answers_has_plain_words_and_no_other_code_does()
    {
        Assert.Equal(ModelReasons.All.Order(StringComparer.Ordinal), ReferralReasons.Codes.Order(StringComparer.Ordinal));
        Assert.All(ModelReasons.All, code => Assert.DoesNotContain("_", ReferralReasons.Text(code)));
    }

    [Fact]
    public void Every_error_code_the_web_app_acts_on_is_one_the_API_answers()
    {
        var apiCodes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        var webCodes = typeof(ApiErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => (string)field.GetRawConstantValue()!)
            .Concat(ApiErrorCodes.Rejections)
            .ToList();

        Assert.NotEmpty(webCodes);
        Assert.All(webCodes, code => Assert.Contains(code, apiCodes));
    }

    [Fact]
    public void The_web_apps_image_limit_defaults_to_the_APIs_upload_limit()
    {
        Assert.Equal(new ApiUploads().MaxBodyBytes, new WebUploads().MaxBytes);
    }
}
