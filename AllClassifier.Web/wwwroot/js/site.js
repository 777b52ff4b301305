// Loaded in <head> on every page; the Content-Security-Policy allows no inline scripts or event handlers.
(() => {
    "use strict";
    // Styles can tell whether scripts run (progressive enhancement).
    document.documentElement.classList.add("js");
    // Images marked data-hide-on-error disappear instead of showing a broken picture. Error events do not bubble,
    // so they are caught on the way down; listening here, before the body is parsed, misses none.
    document.addEventListener("error", (event) => {
        const target = event.target;
        if (target instanceof HTMLImageElement && target.hasAttribute("data-hide-on-error")) {
            target.hidden = true;
        }
    }, true);
    // Buttons marked data-print open the browser's print dialog (the report page: print or save as PDF).
    document.addEventListener("click", (event) => {
        const target = event.target;
        if (target instanceof Element && target.closest("[data-print]")) {
            window.print();
        }
    });
})();
