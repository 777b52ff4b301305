// The case page's upload: several files at once, one request per file, a progress bar per file and one for all.
// Without this script the form posts every chosen file in one request and the server lists the outcomes.
(() => {
    "use strict";

    const form = document.getElementById("case-upload-form");
    const input = document.getElementById("case-files");
    if (!form || !input) {
        return;
    }

    const dropzone = document.getElementById("case-dropzone");
    const chosen = document.getElementById("case-files-chosen");
    const progress = document.getElementById("upload-progress");
    const overall = document.getElementById("upload-overall");
    const overallText = document.getElementById("upload-overall-text");
    const list = document.getElementById("upload-files");
    const button = document.getElementById("upload-button");
    const uploadUrl = form.dataset.uploadUrl;
    const maxBytes = Number(form.dataset.maxBytes);
    const maxText = form.dataset.maxText;
    const acceptedTypes = ["image/jpeg", "image/png"];
    // Enough to keep the API busy without one person's upload filling its queue.
    const parallel = 3;

    const formatSize = (bytes) => bytes >= 1024 * 1024
        ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
        : `${Math.max(1, Math.round(bytes / 1024))} KB`;

    const showChosen = () => {
        const count = input.files.length;
        chosen.hidden = count === 0;
        chosen.textContent = count === 1 ? `1 file chosen: ${input.files[0].name}` : `${count} files chosen`;
        dropzone.classList.toggle("has-file", count > 0);
    };
    input.addEventListener("change", showChosen);

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
            showChosen();
        }
    });

    const problemOf = (file) => {
        if (file.type && !acceptedTypes.includes(file.type)) {
            return "Only JPEG and PNG images can be classified.";
        }
        if (file.size === 0) {
            return "The file is empty.";
        }
        if (file.size > maxBytes) {
            return `The image is too large (${formatSize(file.size)}); the limit is ${maxText}.`;
        }
        return "";
    };

    const row = (file) => {
        const item = document.createElement("li");
        item.className = "upload-file";
        item.dataset.testid = "upload-file";
        const name = document.createElement("span");
        name.className = "upload-file-name";
        name.textContent = file.name;
        const bar = document.createElement("progress");
        bar.max = 100;
        bar.value = 0;
        bar.setAttribute("aria-label", `Upload of ${file.name}`);
        const status = document.createElement("span");
        status.className = "upload-file-status";
        status.dataset.testid = "upload-file-status";
        status.textContent = "Waiting…";
        item.append(name, bar, status);
        list.append(item);
        return { item, bar, status };
    };

    const detailOf = (request) => {
        try {
            const body = JSON.parse(request.responseText);
            if (body && typeof body.detail === "string") {
                return body.detail;
            }
        } catch {
            // Not the page's JSON: a proxy or the status page answered.
        }
        return request.status === 413
            ? `The image is too large; the limit is ${maxText}.`
            : "The image could not be added. Please try again.";
    };

    const send = (file, view, onProgress) => new Promise((resolve) => {
        const body = new FormData();
        body.append("__RequestVerificationToken", form.querySelector("input[name=__RequestVerificationToken]").value);
        body.append("Upload", file, file.name);
        const request = new XMLHttpRequest();
        request.open("POST", uploadUrl);
        request.setRequestHeader("X-Requested-With", "fetch");
        request.upload.addEventListener("progress", (event) => {
            if (event.lengthComputable) {
                view.bar.value = Math.round((event.loaded / event.total) * 100);
                onProgress(event.loaded / event.total);
                view.status.textContent = event.loaded < event.total ? "Uploading…" : "Classifying…";
            }
        });
        request.addEventListener("load", () => {
            onProgress(1);
            view.bar.value = 100;
            if (request.status === 201) {
                const answer = JSON.parse(request.responseText);
                view.item.classList.add("is-done");
                view.status.textContent = answer.summary;
                resolve(true);
            } else {
                view.item.classList.add("is-failed");
                view.status.textContent = detailOf(request);
                resolve(false);
            }
        });
        request.addEventListener("error", () => {
            onProgress(1);
            view.item.classList.add("is-failed");
            view.status.textContent = "The web server cannot be reached. Check the connection and try again.";
            resolve(false);
        });
        view.status.textContent = "Uploading…";
        request.send(body);
    });

    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const files = Array.from(input.files);
        if (files.length === 0) {
            input.focus();
            return;
        }
        button.disabled = true;
        button.classList.add("is-busy");
        list.replaceChildren();
        progress.hidden = false;

        const total = files.reduce((sum, file) => sum + Math.max(file.size, 1), 0);
        const done = new Map();
        const update = () => {
            const sent = files.reduce((sum, file) => sum + (done.get(file) || 0) * Math.max(file.size, 1), 0);
            overall.value = Math.round((sent / total) * 100);
        };
        const views = files.map((file) => ({ file, view: row(file) }));
        let finished = 0;
        let failed = 0;
        const report = () => {
            overallText.textContent = `${finished} of ${files.length} done${failed > 0 ? `, ${failed} failed` : ""}`;
        };
        report();

        const queue = [...views];
        const worker = async () => {
            for (let next = queue.shift(); next; next = queue.shift()) {
                const { file, view } = next;
                const problem = problemOf(file);
                let ok = false;
                if (problem) {
                    view.item.classList.add("is-failed");
                    view.status.textContent = problem;
                    done.set(file, 1);
                } else {
                    ok = await send(file, view, (share) => {
                        done.set(file, share);
                        update();
                    });
                }
                finished += 1;
                failed += ok ? 0 : 1;
                update();
                report();
            }
        };
        await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, worker));

        button.disabled = false;
        button.classList.remove("is-busy");
        if (failed === 0) {
            // Every image is in: show the case with them (their classes, referrals and review forms).
            window.location.assign(window.location.pathname);
            return;
        }
        const reload = document.createElement("a");
        reload.href = window.location.pathname;
        reload.className = "button button-secondary";
        reload.textContent = "Show the added images";
        reload.dataset.testid = "upload-show-images";
        list.append(reload);
    });
})();
