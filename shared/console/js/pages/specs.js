// Specs: the version in force, the history, a diff between two versions, and upload: the text is
// validated by the API (alone, or as it publishes), and a 400 lists each problem at its path.
import { ApiError, api, clearErrors, showErrors } from "../api.js";
import { diffView, fill, flash, fmtTime, h } from "../dom.js";

const text = (v) => JSON.stringify(v.spec, null, 2);

export async function render(view) {
  let current;
  try {
    current = await api("GET", "/v1/specs/current");
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
  }
  const versions = current ? Array.from({ length: current.version }, (_, i) => current.version - i) : [];
  const pick = (name, value) =>
    h(
      "select",
      { name },
      versions.map((v) => h("option", { value: v, selected: v === value }, `v${v}`)),
    );
  const diffForm = h(
    "form",
    { class: "row", id: "spec-diff" },
    h("label", {}, "From", pick("from", Math.max(1, (current?.version ?? 1) - 1))),
    h("label", {}, "To", pick("to", current?.version)),
    h("button", { type: "submit" }, "Diff"),
  );
  const diffOut = h("div", { id: "spec-diff-out" });
  const history = h("div", { id: "spec-history" });
  const upload = h(
    "form",
    { class: "card", id: "spec-upload" },
    h("label", {}, "Spec (YAML or JSON)", h("textarea", { name: "spec", rows: 14, "data-path": "*" })),
    h(
      "div",
      { class: "row" },
      h("input", { type: "file", name: "file", accept: ".yaml,.yml,.json" }),
      h("button", { type: "button", "data-act": "validate" }, "Validate"),
      h("button", { class: "primary", type: "submit", "data-act": "publish" }, "Validate and publish"),
    ),
  );

  view.append(
    h("h1", {}, "Specs"),
    current
      ? h(
          "div",
          { class: "card" },
          h("strong", {}, `In force: v${current.version}`),
          h(
            "span",
            { class: "muted" },
            ` published ${fmtTime(current.publishedAt)} by ${current.publishedBy} · ${current.hash}`,
          ),
          h("details", {}, h("summary", {}, "Show"), h("pre", {}, text(current))),
        )
      : h("p", { class: "muted" }, "No spec is published yet."),
    h("h2", {}, "History"),
    history,
    h("h2", {}, "Diff"),
    diffForm,
    diffOut,
    h("h2", {}, "Upload"),
    upload,
  );

  // The listing (newest first); a server without it is read one version at a time.
  const recent = await api("GET", "/v1/specs?limit=20")
    .then((r) => r.items)
    .catch(() =>
      Promise.all(versions.slice(0, 10).map((v) => api("GET", `/v1/specs/${v}`).catch(() => null))),
    );
  fill(
    history,
    h(
      "table",
      {},
      h(
        "tr",
        {},
        ["version", "published", "by", "hash"].map((c) => h("th", {}, c)),
      ),
      recent
        .filter(Boolean)
        .map((v) =>
          h(
            "tr",
            {},
            h("td", {}, `v${v.version}`, v.version === current?.version ? " (in force)" : ""),
            h("td", {}, fmtTime(v.publishedAt)),
            h("td", {}, v.publishedBy),
            h("td", {}, v.hash),
          ),
        ),
    ),
  );

  diffForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    // A read that fails says so, where before the diff stayed as it was with no word.
    try {
      const [a, b] = await Promise.all(
        [diffForm.elements.from.value, diffForm.elements.to.value].map((v) => api("GET", `/v1/specs/${v}`)),
      );
      fill(
        diffOut,
        a.hash === b.hash
          ? h("p", { class: "muted" }, "The two versions are the same.")
          : diffView(text(a), text(b)),
      );
    } catch (err) {
      flash(err.message ?? String(err), true);
    }
  });

  upload.elements.file.addEventListener("change", async () => {
    const file = upload.elements.file.files[0];
    if (file) upload.elements.spec.value = await file.text();
  });

  const send = (path) => {
    const body = upload.elements.spec.value;
    const json = body.trim().startsWith("{");
    return api("POST", path, body, { contentType: json ? "application/json" : "application/yaml" });
  };
  // Validate only: as `harness spec validate`, each error at its path; nothing is published.
  upload.querySelector("[data-act=validate]").addEventListener("click", async () => {
    try {
      const res = await send("/v1/specs/validate");
      clearErrors(upload);
      flash(`Valid (${res.hash})${res.matchesCurrent ? ": the same as the spec in force" : ""}`);
    } catch (err) {
      showErrors(upload, err);
    }
  });
  upload.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const res = await send("/v1/specs");
      clearErrors(upload);
      // The page drawn again in place, then the answer said: a reload after the flash wiped it, and
      // "Unchanged" (nothing published) was never seen.
      if (res.created) {
        view.replaceChildren();
        await render(view);
      }
      flash(res.created ? `Published v${res.version}` : `Unchanged: v${res.version} is already this spec`);
    } catch (err) {
      showErrors(upload, err);
    }
  });
}
