using System.Net;
using AllClassifier.Web.Backend;
using AllClassifier.Web.Classify;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Pages.Cases;

/// <summary>The outcome of one file of a plain multi-file upload.</summary>
public sealed record UploadOutcome(string FileName, CaseImage? Image, string? Problem);

/// <summary>
/// One case: add images (several at once; the page's script sends one request per file with progress, a plain form
/// post sends them all), see each image's class, confidence, referral and heat map, review each, and sign off. A signed
/// case is read-only: the page offers no action and the API refuses any.
/// </summary>
public sealed class CaseModel(BackendClient backend, IOptions<UploadOptions> uploadOptions) : PageModel
{
    /// <summary>The files of a plain multi-file form post.</summary>
    [BindProperty]
    public List<IFormFile> Files { get; set; } = [];

    /// <summary>The one file of a scripted upload (<see cref="OnPostUploadOneAsync"/>).</summary>
    [BindProperty]
    public IFormFile? Upload { get; set; }

    [BindProperty]
    public string? PredictionId { get; set; }

    [BindProperty]
    public string? Decision { get; set; }

    public CaseDetail? Case { get; private set; }

    public IReadOnlyList<UploadOutcome> UploadOutcomes { get; private set; } = [];

    public string? ErrorMessage { get; private set; }

    public string? Message { get; private set; }

    public UploadOptions Uploads => uploadOptions.Value;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        await LoadAsync(id, cancellationToken);
        return Page();
    }

    /// <summary>Every chosen file in turn: the fallback without JavaScript.</summary>
    public async Task<IActionResult> OnPostUploadAsync(string id, CancellationToken cancellationToken)
    {
        if (Files.Count == 0)
        {
            ErrorMessage = "Choose one or more JPEG or PNG images to add to the case.";
        }

        var outcomes = new List<UploadOutcome>();
        foreach (var file in Files)
        {
            var (image, problem) = await ImageUpload.ReadAsync(file, Uploads, cancellationToken);
            if (image is null)
            {
                outcomes.Add(new UploadOutcome(file.FileName, null, problem));
                continue;
            }

            try
            {
                outcomes.Add(new UploadOutcome(file.FileName, await backend.AddCaseImageAsync(id, image, cancellationToken), null));
            }
            catch (BackendException e)
            {
                outcomes.Add(new UploadOutcome(file.FileName, null, e.Message));
                if (e.Failure is BackendFailure.Refused or BackendFailure.Unreachable)
                {
                    // A signed or unknown case, or no API: the remaining files would get the same answer.
                    break;
                }
            }
        }

        UploadOutcomes = outcomes;
        await LoadAsync(id, cancellationToken);
        return Page();
    }

    /// <summary>
    /// One file, posted by the page's script (one request per file, several at once, each with its own progress).
    /// Answers the added image's prediction as JSON, or a 4xx/5xx with a <c>detail</c> sentence for the file's row.
    /// </summary>
    public async Task<IActionResult> OnPostUploadOneAsync(string id, CancellationToken cancellationToken)
    {
        var (image, problem) = await ImageUpload.ReadAsync(Upload, Uploads, cancellationToken);
        if (image is null)
        {
            return new JsonResult(new { detail = problem }) { StatusCode = StatusCodes.Status400BadRequest };
        }

        try
        {
            var added = await backend.AddCaseImageAsync(id, image, cancellationToken);
            return new JsonResult(new
            {
                prediction_id = added.PredictionId,
                file_name = added.FileName,
                refer = added.Refer,
                summary = added.Refer
                    ? ReferralReasons.Headline
                    : $"{ClassLabels.DisplayName(added.PredictedName)} · {LabFormat.Percent(added.Confidence)}",
            }) { StatusCode = StatusCodes.Status201Created };
        }
        catch (BackendException e)
        {
            return new JsonResult(new { detail = e.Message }) { StatusCode = StatusOf(e) };
        }
    }

    public async Task<IActionResult> OnPostReviewAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(PredictionId) || !ClassLabels.IsDecision(Decision))
        {
            ErrorMessage = "Choose a class, or \"Not assessable\", for the image.";
        }
        else
        {
            try
            {
                await backend.ReviewCaseImageAsync(id, PredictionId, Decision!, cancellationToken);
                // Back to the image just reviewed; a reload of that page repeats nothing.
                return Redirect(Url.Page("/Cases/Case", new { id }) + "#image-" + Uri.EscapeDataString(PredictionId));
            }
            catch (BackendException e)
            {
                ErrorMessage = e.Message;
            }
        }

        await LoadAsync(id, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostSignOffAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await backend.SignOffCaseAsync(id, cancellationToken);
            return RedirectToPage("/Cases/Case", new { id });
        }
        catch (BackendException e)
        {
            await LoadAsync(id, cancellationToken);
            ErrorMessage = e.StatusCode == HttpStatusCode.Conflict && Case is { UnreviewedImages: > 0 } open && !open.IsSigned
                ? SignOffRefusal(open)
                : e.Message;
        }

        return Page();
    }

    /// <summary>The uploaded image, streamed through this app so the browser never holds the API's key.</summary>
    public Task<IActionResult> OnGetImageAsync(string id, string? predictionId, CancellationToken cancellationToken) =>
        ImageAsync(id, predictionId, heatmap: false, cancellationToken);

    /// <summary>The image's heat map; the API records that it was shown.</summary>
    public Task<IActionResult> OnGetHeatmapAsync(string id, string? predictionId, CancellationToken cancellationToken) =>
        ImageAsync(id, predictionId, heatmap: true, cancellationToken);

    /// <summary>Why sign-off waits, counted from the case as it is now.</summary>
    public static string SignOffRefusal(CaseDetail detail)
    {
        var unreviewed = detail.UnreviewedImages;
        var referred = detail.UndecidedReferrals;
        var images = unreviewed == 1 ? "1 image has" : $"{unreviewed} images have";
        var referrals = referred switch
        {
            0 => "",
            1 => " (1 of them referred to a technologist)",
            _ => $" ({referred} of them referred to a technologist)",
        };
        return $"Sign-off refused: {images} no review yet{referrals}. Review every image, then sign off.";
    }

    private async Task<IActionResult> ImageAsync(string id, string? predictionId, bool heatmap, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(predictionId))
        {
            return NotFound();
        }

        try
        {
            var image = await backend.GetCaseImageContentAsync(id, predictionId, heatmap, cancellationToken);
            Response.Headers.XContentTypeOptions = "nosniff";
            // A patient's image: never kept by the browser or any cache on the way.
            Response.Headers.CacheControl = "no-store";
            return File(image.Content, image.ContentType is "image/jpeg" or "image/png" or "image/bmp" ? image.ContentType : "application/octet-stream");
        }
        catch (BackendException e)
        {
            return StatusCode(StatusOf(e));
        }
    }

    private async Task LoadAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            Case = await backend.GetCaseAsync(id, cancellationToken);
        }
        catch (BackendException e)
        {
            ErrorMessage ??= e.Message;
            if (e.StatusCode == HttpStatusCode.NotFound)
            {
                Response.StatusCode = StatusCodes.Status404NotFound;
            }
        }
    }

    /// <summary>The status to pass on for a failed API call: its own 4xx, else a gateway failure.</summary>
    private static int StatusOf(BackendException e) => e.StatusCode is { } status && (int)status is >= 400 and < 500
        ? (int)status
        : e.Failure is BackendFailure.Busy or BackendFailure.NoModel
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status502BadGateway;
}
