using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using AllClassifier.Web.Classify;

namespace AllClassifier.Web.Pages;

/// <summary>Explains a failed request in a sentence; details stay in the log, traceable by the request id.</summary>
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
[IgnoreAntiforgeryToken]
public sealed class ErrorModel(IOptions<UploadOptions> uploads) : PageModel
{
    public string Title { get; private set; } = "Something went wrong";

    public string Message { get; private set; } = "The page could not be shown. Please try again.";

    public string? RequestId { get; private set; }

    public void OnGet() => Explain();

    public void OnPost() => Explain();

    private void Explain()
    {
        RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        var statusPage = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        var failure = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        var code = statusPage?.OriginalStatusCode ?? (failure is BadHttpRequestException badRequest ? badRequest.StatusCode : null);
        if (code == StatusCodes.Status413PayloadTooLarge || failure is InvalidDataException)
        {
            Title = "The upload is too large";
            Message = $"Images up to {uploads.Value.MaxSizeText} are accepted. Please choose a smaller file.";
            code = StatusCodes.Status413PayloadTooLarge;
        }
        else if (code == StatusCodes.Status429TooManyRequests)
        {
            Title = "Too many attempts";
            Message = "Too many sign-in attempts came from this computer. Please wait a minute and try again.";
        }
        else if (code == StatusCodes.Status404NotFound)
        {
            Title = "Page not found";
            Message = "There is no page at this address.";
        }

        // A re-executed status page keeps the original status; an exception would otherwise become a 200.
        if (statusPage is null)
        {
            Response.StatusCode = code ?? StatusCodes.Status500InternalServerError;
        }
    }
}
