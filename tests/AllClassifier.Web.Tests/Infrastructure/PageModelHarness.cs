using AllClassifier.Web.Backend;
using AllClassifier.Web.Classify;
using AllClassifier.Web.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>Builds page models the way the app does, over a <see cref="FakeBackendHandler"/>.</summary>
public static class PageModelHarness
{
    public static BackendClient Client(HttpMessageHandler handler) =>
        new(new HttpClient(handler) { BaseAddress = new Uri("http://backend/") }, NullLogger<BackendClient>.Instance);

    public static ClassificationStore Store() =>
        new(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())), Options.Create(new UploadOptions()));

    public static IndexModel Index(FakeBackendHandler handler, ClassificationStore? store = null, UploadOptions? uploads = null, bool fragment = false)
    {
        var page = new IndexModel(Client(handler), store ?? Store(), Options.Create(uploads ?? new UploadOptions()));
        var httpContext = new DefaultHttpContext();
        if (fragment)
        {
            httpContext.Request.Headers[IndexModel.FragmentHeader] = "fetch";
        }

        page.MetadataProvider = new EmptyModelMetadataProvider();
        page.PageContext = new PageContext(new ActionContext(httpContext, new RouteData(), new PageActionDescriptor()))
        {
            ViewData = new ViewDataDictionary(new EmptyModelMetadataProvider(), new ModelStateDictionary()),
        };
        return page;
    }

    public static FeedbackModel Feedback(FakeBackendHandler handler) => new(Client(handler));

    public static ModelModel Model(FakeBackendHandler handler) => new(Client(handler));

    public static IFormFile FormFile(byte[] content, string fileName = "smear.png", string contentType = "image/png") =>
        new FormFile(new MemoryStream(content), 0, content.Length, "Upload", fileName)
        {
            Headers = new HeaderDictionary(),
            ContentType = contentType,
        };
}
