// Progressive enhancement of the Classify page: drag and drop, a local preview, and form posts without a page
// reload. Without this script the same forms post normally and the server renders the whole page.
(() => {
    "use strict";

    const dropzone = document.getElementById("dropzone");
    const input = document.getElementById("upload");
    const preview = document.getElementById("preview");
    const info = document.getElementById("file-info");
    const uploadError = document.getElementById("upload-error");
    const panel = document.getElementById("classify-panel");
    if (!dropzone || !input || !panel) {
        return;
    }

    const maxBytes = Number(dropzone.dataset.maxBytes);
    const maxText = dropzone.dataset.maxText;
    const defaultInfo = info.textContent;
    const acceptedTypes = ["image/jpeg", "image/png"];
    let previewUrl = null;

    const formatSize = (bytes) => bytes >= 1024 * 1024
        ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
        : `${Math.max(1, Math.round(bytes / 1024))} KB`;

    const showUploadError = (message) => {
        uploadError.textContent = message;
        uploadError.hidden = !message;
    };

    const checkFile = (file) => {
        if (!file) {
            return "Choose a JPEG or PNG image to classify.";
        }
        if (file.type && !acceptedTypes.includes(file.type)) {
            return "Only JPEG and PNG images can be classified.";
        }
        if (file.size > maxBytes) {
            return `The image is too large (${formatSize(file.size)}); the limit is ${maxText}.`;
        }
        return "";
    };

    const showFile = () => {
        const file = input.files[0];
        if (previewUrl) {
            URL.revokeObjectURL(previewUrl);
            previewUrl = null;
        }
        if (!file) {
            preview.hidden = true;
            dropzone.classList.remove("has-file");
            info.textContent = defaultInfo;
            showUploadError("");
            return;
        }
        previewUrl = URL.createObjectURL(file);
        preview.src = previewUrl;
        preview.hidden = false;
        dropzone.classList.add("has-file");
        info.textContent = `${file.name} · ${formatSize(file.size)}`;
        showUploadError(checkFile(file));
    };

    input.addEventListener("change", showFile);

    for (const type of ["dragenter", "dragover"]) {
        dropzone.addEventListener(type, (event) => {
            event.preventDefault();
            dropzone.classList.add("is-dragging");
        });
    }
    for (const type of ["dragleave", "drop"]) {
        dropzone.addEventListener(type, () => dropzone.classList.remove("is-dragging"));
    }
    dropzone.addEventListener("drop", (event) => {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length > 0) {
            input.files = event.dataTransfer.files;
            showFile();
        }
    });

    const failureMessage = (status) => status === 413
        ? `The image is too large; the limit is ${maxText}.`
        : "The request could not be completed. Please try again.";

    const post = async (form, button) => {
        const label = button ? button.textContent : "";
        if (button) {
            button.disabled = true;
            button.classList.add("is-busy");
            button.textContent = form.id === "predict-form" ? "Classifying…" : "Sending…";
        }
        panel.setAttribute("aria-busy", "true");
        try {
            const response = await fetch(form.action, {
                method: "POST",
                body: new FormData(form),
                headers: { "X-Requested-With": "fetch" },
            });
            if (!response.ok) {
                throw new Error(failureMessage(response.status));
            }
            panel.innerHTML = await response.text();
        } catch (error) {
            const message = error instanceof TypeError
                ? "The web server cannot be reached. Check the connection and try again."
                : error.message;
            panel.innerHTML = "";
            const heading = document.createElement("h2");
            heading.textContent = "Result";
            const alert = document.createElement("p");
            alert.className = "alert alert-error";
            alert.setAttribute("role", "alert");
            alert.dataset.testid = "error";
            alert.textContent = message;
            panel.append(heading, alert);
        } finally {
            panel.removeAttribute("aria-busy");
            if (button) {
                button.disabled = false;
                button.classList.remove("is-busy");
                button.textContent = label;
            }
        }
    };

    document.addEventListener("submit", (event) => {
        const form = event.target;
        if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-enhance")) {
            return;
        }
        if (form.id === "predict-form") {
            const problem = checkFile(input.files[0]);
            if (problem) {
                event.preventDefault();
                showUploadError(problem);
                return;
            }
        }
        event.preventDefault();
        post(form, form.querySelector("button[type=submit]"));
    });
})();
