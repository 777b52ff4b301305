using System.Net;
using AllClassifier.Web.Backend;
using AllClassifier.Web.Classify;
using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Pages;

/// <summary>
/// Classify: upload an image, see the prediction, send a correction. Each handler renders the whole page for a plain
/// form post, or only the result panel when the page's script posts it (<see cref="FragmentHeader"/>).
/// </summary>
public sealed class IndexModel(BackendClient backend, ClassificationStore store, IOptions<UploadOptions> uploadOptions) : PageModel
{
    /// <summary>Sent by the page's script to receive the result panel instead of the whole page.</summary>
    public const string FragmentHeader = "X-Requested-With";

    public const string PanelPartial = "_ClassifyPanel";

    private const string NoLongerAvailable = "This image is no longer available for a correction. Please upload it again.";

    [BindProperty]
    public IFormFile? Upload { get; set; }

    /// <summary>Identifies the classified image kept on the server for the correction form.</summary>
    [BindProperty]
    public string? Token { get; set; }

    [BindProperty]
    public string? CorrectLabel { get; set; }

    public Classification? Classification { get; private set; }

    public FeedbackReceipt? Receipt { get; private set; }

    public string? ErrorMessage { get; private set; }

    public UploadOptions Uploads => uploadOptions.Value;

    /// <summary>Whose kept images this request may use: the signed-in person.</summary>
    private string Owner => User.StaffName() ?? "";

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostPredictAsync(CancellationToken cancellationToken)
    {
        var image = await ReadUploadAsync(cancellationToken);
        if (image is not null)
        {
            try
            {
                Classification = new Classification(image, await backend.PredictAsync(image, cancellationToken));
                Token = await store.SaveAsync(Classification, Owner, cancellationToken);
                // A referred image gets no preselected class: the person must choose one, or "Not assessable".
                CorrectLabel = Classification.Prediction.Refer ? null : Classification.Prediction.PredictedName;
            }
            catch (BackendException e)
            {
                ErrorMessage = e.Message;
            }
        }

        return PageOrPanel();
    }

    public async Task<IActionResult> OnPostFeedbackAsync(CancellationToken cancellationToken)
    {
        Classification = await store.FindAsync(Token, Owner, cancellationToken);
        if (Classification is null)
        {
            Token = null;
            ErrorMessage = NoLongerAvailable;
            return PageOrPanel();
        }

        if (!ClassLabels.IsDecision(CorrectLabel))
        {
            CorrectLabel = Classification.Prediction.Refer ? null : Classification.Prediction.PredictedName;
            ErrorMessage = "Choose the correct class from the list, or \"Not assessable\".";
            return PageOrPanel();
        }

        try
        {
            // With a prediction id the API already has the image and knows the model version that predicted it;
            // only an API without prediction records needs the bytes again.
            Receipt = Classification.Prediction.PredictionId is { Length: > 0 } predictionId
                ? await backend.SendFeedbackForPredictionAsync(predictionId, CorrectLabel!, cancellationToken)
                : await backend.SendFeedbackAsync(
                    Classification.Image, CorrectLabel!, Classification.Prediction.PredictedName, cancellationToken);
        }
        catch (BackendException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            // The API no longer keeps the image of this prediction (unknown or expired id): nothing was stored.
            ErrorMessage = NoLongerAvailable;
        }
        catch (BackendException e)
        {
            ErrorMessage = e.Message;
        }

        return PageOrPanel();
    }

    /// <summary>The kept image, shown beside its prediction.</summary>
    public async Task<IActionResult> OnGetImageAsync(string? token, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(token, Owner, cancellationToken) is not { } classification)
        {
            return NotFound();
        }

        Response.Headers.XContentTypeOptions = "nosniff";
        // A patient's image: never kept by the browser or any cache on the way.
        Response.Headers.CacheControl = "no-store";
        return File(classification.Image.Content, PreviewContentType(classification.Image.ContentType));
    }

    /// <summary>The kept image's heat map (the API's overlay PNG), so the page needs no script or data URL to show it.</summary>
    public async Task<IActionResult> OnGetOverlayAsync(string? token, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(token, Owner, cancellationToken) is not { Prediction.Explanation: { } explanation })
        {
            return NotFound();
        }

        Response.Headers.XContentTypeOptions = "nosniff";
        Response.Headers.CacheControl = "no-store";
        return File(explanation.OverlayPng, "image/png");
    }

    private async Task<ImageFile?> ReadUploadAsync(CancellationToken cancellationToken)
    {
        var (image, problem) = await ImageUpload.ReadAsync(Upload, Uploads, cancellationToken);
        ErrorMessage = problem;
        return image;
    }

    private IActionResult PageOrPanel() =>
        Request.Headers[FragmentHeader] == "fetch" ? Partial(PanelPartial, this) : Page();

    /// <summary>Only image types are echoed back with their own type; anything else is served inert.</summary>
    private static string PreviewContentType(string contentType) =>
        contentType is "image/jpeg" or "image/png" or "image/bmp" ? contentType : "application/octet-stream";
}
