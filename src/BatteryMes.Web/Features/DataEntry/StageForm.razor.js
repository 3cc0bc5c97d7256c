// Device memory for the stage form: unsaved entries per pack and stage, and the technician / QC inspector of
// this device. localStorage survives a sleeping tablet, a dropped Wi-Fi and a reload.
export function load(key) {
    try { return window.localStorage.getItem(key); } catch { return null; }
}

export function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch { /* storage full or disabled: entries stay on screen */ }
}

export function remove(key) {
    try { window.localStorage.removeItem(key); } catch { }
}

// Brings a message or panel into view without moving the page more than needed: the operator at arm's length sees
// the outcome beside the button they pressed, and the page never jumps to the top.
export function reveal(element) {
    if (element && element.scrollIntoView) element.scrollIntoView({ block: "nearest", inline: "nearest" });
}
