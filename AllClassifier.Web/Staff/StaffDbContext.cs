using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AllClassifier.Web.Staff;

/// <summary>ASP.NET Core Identity's tables: staff accounts, their roles and lockout state.</summary>
public sealed class StaffDbContext(DbContextOptions<StaffDbContext> options) : IdentityDbContext<IdentityUser>(options);
