// Approvals inbox: each pending decision as its recipient will see it, why, the checks and the time
// left; approve, edit then approve (the diff shown, the edit recorded by the API), reject with a
// reason, reject and make it a rule (corrections API); bulk approve; keyboard shortcuts.
import { allItems, api, clearErrors, serverNow, showErrors, syncClock } from "../api.js";
import { checksTable, diffView, duration, fill, flash, h } from "../dom.js";
import { messageView, recipient, whyView } from "./message.js";

const SORTS = {
  newest: (a, b) => b.decidedAt.localeCompare(a.decidedAt),
  oldest: (a, b) => a.decidedAt.localeCompare(b.decidedAt),
  expiring: (a, b) => (a.expiresAt ?? "9").localeCompare(b.expiresAt ?? "9"),
};

/**
 * Why an approval did not dispatch. One the harness stopped (its checks no longer pass) says which,
 * read from its `revalidation_failed` event: "see its timeline" sent the reviewer to another page to
 * learn that the person had unsubscribed meanwhile.
 */
async function stoppedWhy(res) {
  if (res.status !== "rejected") return `it is ${res.status}`;
  const d = await api("GET", `/v1/decisions/${encodeURIComponent(res.decisionId)}`).catch(() => undefined);
  const stop = [...(d?.events ?? [])].reverse().find((e) => e.type === "revalidation_failed");
  const why = (stop?.data?.checks ?? [])
    .map((c) => `${c.check}${c.rule ? ` (${c.rule})` : ""}: ${c.detail}`)
    .join("; ");
  return `its checks no longer pass${why ? ` (${why})` : ""}, so it was stopped: nothing was sent`;
}

const SHORTCUTS =
  "j/k move · x select · a approve · e edit · r reject · Shift+A approve selected · Esc cancel";

export async function render(view) {
  let items = [];
  /** The inbox holds more than the console reads (allItems' bound). */
  let more = false;
  let focus = 0;
  const selected = new Set();
  /** Decisions whose review request is on its way: a second click or key press waits for it. */
  const pending = new Set();
  const sort = h(
    "select",
    { name: "sort", "aria-label": "sort" },
    h("option", { value: "newest" }, "Newest first"),
    h("option", { value: "oldest" }, "Oldest first"),
    h("option", { value: "expiring" }, "Expiring first"),
  );
  const bulk = h("button", { class: "primary", id: "bulk-approve", disabled: true }, "Approve selected");
  const list = h("div", { id: "inbox" });
  const count = h("span", { class: "muted" });
  view.append(
    h("h1", {}, "Approvals ", count),
    h(
      "div",
      { class: "row" },
      sort,
      bulk,
      // A refresh that fails (a 503, the connection lost) says so, rather than leaving the old inbox
      // on screen as if it were current.
      h(
        "button",
        { onclick: () => load().catch((err) => flash(err.message ?? String(err), true)) },
        "Refresh",
      ),
      h("span", { class: "muted" }, SHORTCUTS),
    ),
    list,
  );

  const cards = () => [...list.querySelectorAll(".card[data-id]")];
  const item = (id) => items.find((d) => d.decisionId === id);

  /**
   * Each decision's card, kept while it waits: a redraw (another card reviewed, a sort, a refresh)
   * moves the cards, and an edit or rejection open on one stays as the reviewer left it. Before,
   * every redraw built the cards again, and reviewing one card wiped the text typed in another.
   */
  const built = new Map();
  const cardOf = (d) => {
    const kept = built.get(d.decisionId);
    // Built again when a refresh brings the decision changed (its person erased meanwhile).
    if (kept && kept.d.payloadDigest === d.payloadDigest && kept.d.erased === d.erased) return kept.el;
    const el = card(d);
    built.set(d.decisionId, { d, el });
    return el;
  };

  function draw() {
    items.sort(SORTS[sort.value]);
    for (const id of built.keys()) if (!item(id)) built.delete(id);
    count.textContent = `(${items.length}${more ? "+" : ""})`;
    fill(list, items.length ? items.map(cardOf) : h("p", { class: "muted" }, "Nothing waits for approval."));
    focus = Math.min(focus, Math.max(0, items.length - 1));
    markFocus();
    updateBulk();
  }

  function markFocus() {
    for (const [i, c] of cards().entries()) c.classList.toggle("focused", i === focus);
  }

  function updateBulk() {
    bulk.disabled = selected.size === 0;
    bulk.textContent = `Approve selected (${selected.size})`;
  }

  function done(id, message, error = false) {
    const had = built.get(id)?.el.contains(document.activeElement);
    items = items.filter((d) => d.decisionId !== id);
    selected.delete(id);
    draw();
    flash(message, error);
    // The reviewer's place is the next card, not the top of the page (focus fell to the body with
    // the card it was in, and a keyboard user tabbed past the nav again to reach it).
    if (had) cards()[focus]?.querySelector("[data-act=approve]")?.focus();
  }

  async function approve(d, form, payload, note) {
    if (pending.has(d.decisionId)) return;
    pending.add(d.decisionId);
    try {
      const res = await api("POST", `/v1/decisions/${encodeURIComponent(d.decisionId)}/approve`, {
        digest: d.payloadDigest,
        ...(payload ? { payload } : {}),
        ...(note ? { note } : {}),
      });
      // Approved is dispatched; a decision whose checks no longer pass (the person was suppressed
      // since) is stopped instead, and answered 200 all the same: said as approved before, though
      // nothing would go out. One held only by coordination is a 409 that says when: shown on its card.
      if (res.status === "dispatched") done(d.decisionId, payload ? "Edited and approved" : "Approved");
      else done(d.decisionId, `Not approved: ${await stoppedWhy(res)}`, true);
    } catch (err) {
      showErrors(form, err);
    } finally {
      pending.delete(d.decisionId);
    }
  }

  async function reject(d, form, makeRule) {
    const note = form.elements.note.value.trim();
    clearErrors(form);
    if (makeRule && !note) {
      showErrors(form, {
        body: { issues: [{ path: "note", message: "say why, to make it a rule" }] },
        message: "",
      });
      return;
    }
    try {
      const id = encodeURIComponent(d.decisionId);
      // Rejected already by an earlier click whose rule request failed: only the rule is asked again
      // (the reject again was a 409, and the rule was never made).
      if (!d.rejected) await api("POST", `/v1/decisions/${id}/reject`, note ? { note } : {});
      d.rejected = true;
      if (makeRule) {
        const draft = await api("POST", `/v1/decisions/${id}/corrections`, { makeRule: true, note });
        done(d.decisionId, `Rejected; draft rule ${draft.draftId ?? ""} made for review`);
      } else done(d.decisionId, "Rejected");
    } catch (err) {
      showErrors(form, err);
    }
  }

  function card(d) {
    const el = h("div", { class: "card", "data-id": d.decisionId });
    const check = h("input", {
      type: "checkbox",
      "aria-label": "select",
      checked: selected.has(d.decisionId),
      onchange: () => {
        if (check.checked) selected.add(d.decisionId);
        else selected.delete(d.decisionId);
        updateBulk();
      },
    });
    const actions = h("form", { class: "actions" });
    const showButtons = () => {
      el.dataset.mode = "view";
      clearErrors(actions);
      fill(
        actions,
        h("div", { class: "row" }, [
          h(
            "button",
            { type: "button", class: "primary", "data-act": "approve", onclick: () => approve(d, actions) },
            "Approve",
          ),
          h("button", { type: "button", "data-act": "edit", onclick: () => showEdit() }, "Edit"),
          h(
            "button",
            { type: "button", class: "danger", "data-act": "reject", onclick: () => showReject() },
            "Reject",
          ),
        ]),
      );
    };
    const showEdit = () => {
      el.dataset.mode = "edit";
      const fields = Object.entries(d.payload ?? {}).filter(([, v]) => typeof v === "string");
      const diff = h("div", { class: "edit-diff" });
      // The inputs themselves, not form.elements[key]: a payload key is the agent's to choose, and one
      // named "note" read the reviewer's note field (which was then lost), one named "item" or
      // "length" read the form collection's own members, and the field left the approved payload.
      const inputs = new Map();
      const note = h("input", { name: "note" });
      const edited = () => {
        const next = { ...d.payload };
        for (const [k] of fields) next[k] = inputs.get(k).value;
        return next;
      };
      const redraw = () => {
        fill(
          diff,
          fields
            .filter(([k, v]) => inputs.get(k).value !== v)
            .map(([k, v]) => [h("div", { class: "muted" }, k), diffView(v, inputs.get(k).value, "words")]),
        );
      };
      // A value of several lines in a textarea: a one-line input drops its line breaks, and the
      // approval was recorded as an edit the reviewer never made.
      for (const [k, v] of fields)
        inputs.set(
          k,
          h(k === "body" || v.includes("\n") ? "textarea" : "input", {
            "data-field": k,
            value: v,
            oninput: redraw,
          }),
        );
      fill(
        actions,
        fields.map(([k]) => h("label", {}, k, inputs.get(k))),
        h("label", {}, "Note (optional)", note),
        diff,
        h("div", { class: "row" }, [
          h(
            "button",
            {
              type: "button",
              class: "primary",
              "data-act": "approve-edited",
              onclick: () => approve(d, actions, edited(), note.value.trim() || undefined),
            },
            "Approve edited",
          ),
          h("button", { type: "button", onclick: showButtons }, "Cancel"),
        ]),
      );
      for (const [k] of fields) inputs.get(k).value = d.payload[k];
      inputs.get(fields[0]?.[0])?.focus();
    };
    const showReject = () => {
      el.dataset.mode = "reject";
      fill(
        actions,
        h(
          "label",
          {},
          "Reason",
          h("input", { name: "note", placeholder: "why not (recorded on the decision)" }),
        ),
        h("div", { class: "row" }, [
          h(
            "button",
            {
              type: "button",
              class: "danger",
              "data-act": "confirm-reject",
              onclick: () => reject(d, actions, false),
            },
            "Reject",
          ),
          h(
            "button",
            {
              type: "button",
              class: "danger",
              "data-act": "reject-rule",
              onclick: () => reject(d, actions, true),
            },
            "Reject and make this a rule",
          ),
          h("button", { type: "button", onclick: showButtons }, "Cancel"),
        ]),
      );
      actions.elements.note.focus();
    };
    actions.addEventListener("submit", (e) => e.preventDefault());
    el.showEdit = showEdit;
    el.showReject = showReject;
    // The agent's version, approved by a key, only while nothing else is open on the card: with an
    // edit open, `a` approved the original text while the reviewer's edit was on screen.
    el.approve = () =>
      el.dataset.mode === "view"
        ? approve(d, actions)
        : flash("Finish or cancel what is open on this card first (Esc cancels)", true);
    el.cancel = showButtons;
    el.toggle = () => check.click();
    showButtons();
    el.append(
      h(
        "div",
        { class: "row" },
        check,
        recipient(d),
        h("span", { class: "muted" }, `decided ${new Date(d.decidedAt).toLocaleString()}`),
        d.expiresAt ? h("span", { class: "timeleft countdown", "data-at": d.expiresAt }) : null,
      ),
      messageView(d.payload),
      h("details", { open: true }, h("summary", {}, "Why"), whyView(d)),
      h("details", {}, h("summary", {}, `Checks (${(d.checks ?? []).length})`), checksTable(d.checks)),
      actions,
    );
    return el;
  }

  async function load() {
    const page = await allItems("/v1/approvals");
    items = page.items;
    more = page.more;
    for (const id of [...selected]) if (!item(id)) selected.delete(id);
    draw();
    tick();
  }

  function tick() {
    for (const el of list.querySelectorAll(".timeleft")) {
      const left = Date.parse(el.dataset.at) - serverNow();
      el.textContent = left > 0 ? `${duration(left)} left` : "expired";
    }
  }

  bulk.addEventListener("click", async () => {
    const ids = [...selected];
    let ok = 0;
    const notes = [];
    for (const id of ids) {
      const d = item(id);
      if (!d || pending.has(id)) continue;
      // A card being edited or rejected is the reviewer's to finish: its original is not approved here.
      if (list.querySelector(`.card[data-id="${CSS.escape(id)}"]`)?.dataset.mode !== "view") {
        notes.push(`${id}: left out, its edit or rejection is open`);
        continue;
      }
      pending.add(id);
      try {
        const res = await api("POST", `/v1/decisions/${encodeURIComponent(id)}/approve`, {
          digest: d.payloadDigest,
        });
        if (res.status === "dispatched") ok++;
        else notes.push(`${id}: not approved, ${await stoppedWhy(res)}`);
        items = items.filter((x) => x.decisionId !== id);
        selected.delete(id);
      } catch (err) {
        notes.push(`${id}: ${err.message}`);
      } finally {
        pending.delete(id);
      }
    }
    draw();
    flash([`Approved ${ok} of ${ids.length}`, ...notes].join("; "), notes.length > 0);
  });
  sort.addEventListener("change", draw);

  // The card a reviewer clicks or tabs into is the one the keys act on: before, `a` after a click on
  // another card's Edit approved whichever card the keys had last moved to.
  const follow = (e) => {
    const at = cards().indexOf(e.target.closest?.(".card[data-id]"));
    if (at >= 0 && at !== focus) {
      focus = at;
      markFocus();
    }
  };
  list.addEventListener("focusin", follow);
  list.addEventListener("click", follow);

  const onKey = (e) => {
    // A page no longer shown never acts (app.js undoes it; this holds even if it did not).
    if (!list.isConnected || e.altKey || e.ctrlKey || e.metaKey) return;
    // A key held down repeats: moving may, acting may not (a held `a` approved card after card).
    if (e.repeat && !["j", "k", "ArrowDown", "ArrowUp"].includes(e.key)) return;
    const typing = e.target.closest?.("input, textarea, select");
    const current = cards()[focus];
    if (e.key === "Escape") return current?.cancel();
    if (typing) return;
    if (e.key === "j" || e.key === "ArrowDown") focus = Math.min(focus + 1, cards().length - 1);
    else if (e.key === "k" || e.key === "ArrowUp") focus = Math.max(focus - 1, 0);
    else if (e.key === "A") return bulk.click();
    else if (e.key === "x") current?.toggle();
    else if (e.key === "a") current?.approve();
    else if (e.key === "e") current?.showEdit();
    else if (e.key === "r") current?.showReject();
    else return;
    e.preventDefault();
    markFocus();
    cards()[focus]?.scrollIntoView({ block: "nearest" });
  };
  addEventListener("keydown", onKey);
  const timer = setInterval(tick, 1000);
  await syncClock();
  await load();
  return () => {
    removeEventListener("keydown", onKey);
    clearInterval(timer);
  };
}
