// The scan field of the components panel. A USB wedge scanner types a code and Enter, fast, code after code. The
// field is cleared here, in the browser, the moment Enter arrives, so the next code's keystrokes land in an empty
// field whatever the server is doing; codes wait in a queue and go to the server in order, a batch at a time, the
// next batch only after the previous one was saved. Nothing is dropped while a save is in flight.
const fields = new WeakMap();
const MaxBatch = 50;

export function attach(input, dotnet) {
    if (fields.has(input)) return;
    const state = { queue: [], sending: false, dotnet, detached: false };
    state.onKey = e => {
        if (e.key !== "Enter" && e.key !== "NumpadEnter") return;
        e.preventDefault();
        const text = input.value.trim();
        input.value = "";
        if (text) {
            state.queue.push(text);
            pump(input, state);
        }
    };
    input.addEventListener("keydown", state.onKey);
    // No focus here: the page keeps the focus in its pack ID field; choosing Module X or Y moves it to this field.
    fields.set(input, state);
}

export function detach(input) {
    const state = fields.get(input);
    if (!state) return;
    state.detached = true;
    input.removeEventListener("keydown", state.onKey);
    fields.delete(input);
}

export function focus(input) {
    if (input && document.activeElement !== input) input.focus();
}

async function pump(input, state) {
    if (state.sending) return;
    state.sending = true;
    try {
        while (state.queue.length > 0 && !state.detached) {
            const batch = state.queue.slice(0, MaxBatch);
            input.dataset.waiting = String(state.queue.length);
            try {
                await state.dotnet.invokeMethodAsync("ScannedAsync", batch);
                state.queue.splice(0, batch.length);
            } catch {
                // The connection to the server dropped: keep the codes and try again once it is back.
                await new Promise(r => setTimeout(r, 1000));
            }
        }
    } finally {
        input.dataset.waiting = "0";
        state.sending = false;
    }
}
