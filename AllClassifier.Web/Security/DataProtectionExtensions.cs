using Microsoft.AspNetCore.DataProtection;

namespace AllClassifier.Web.Security;

public static class DataProtectionExtensions
{
    // Instances protect and unprotect for one another only under the same application name.
    private const string ApplicationName = "AllClassifier.Web";

    /// <summary>
    /// Keeps the Data Protection key ring in <see cref="DataProtectionKeysOptions.KeysDirectory"/>. With the default
    /// in-container location the keys die with the container, and every restart signs staff out and breaks the
    /// forms they have open.
    /// </summary>
    public static IHostApplicationBuilder AddPersistentDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DataProtectionKeysOptions>()
            .BindConfiguration(DataProtectionKeysOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.KeysDirectory), "DataProtection:KeysDirectory must name a folder.")
            .ValidateOnStart();
        var keys = builder.Configuration.GetSection(DataProtectionKeysOptions.SectionName).Get<DataProtectionKeysOptions>() ?? new DataProtectionKeysOptions();
        builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToFileSystem(Directory.CreateDirectory(keys.KeysDirectory));
        return builder;
    }
}
