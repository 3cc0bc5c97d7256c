// Puts the cursor in the pack scan field (a hand scanner types there) without scrolling: the operator keeps the
// buttons they just pressed, and the message beside them, in view.
export function focusQuietly(box) {
    const input = box && box.querySelector("input");
    if (input) input.focus({ preventScroll: true });
}
