// Live camera for reading pack labels. Frames are downscaled, JPEG-compressed and sent to the server's QR decoder
// (no browser decoder library, no CDN). Each frame stays under 30 KB: Blazor Server's SignalR message limit is 32 KB.
const MaxFrameBytes = 30000;
const FrameIntervalMs = 300;
const sessions = new WeakMap();

export function isSecure() {
    return window.isSecureContext === true;
}

export async function start(video, dotnet) {
    if (!window.isSecureContext) return "insecure";
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "unavailable:This browser gives no camera access.";
    let stream;
    try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
    } catch (e) {
        const reason = e && e.name === "NotAllowedError" ? "Camera access was refused. Allow the camera for this site, or upload a photo."
            : e && (e.name === "NotFoundError" || e.name === "OverconstrainedError") ? "No camera was found on this device."
            : (e && e.message) || "The camera could not be started.";
        return "unavailable:" + reason;
    }
    video.srcObject = stream;
    video.setAttribute("playsinline", "");
    video.muted = true;
    try { await video.play(); } catch { /* autoplay of a muted stream is allowed; a failure shows as no frames */ }
    const session = { stream, stopped: false };
    sessions.set(video, session);
    loop(video, dotnet, session);
    return "started";
}

export function stop(video) {
    const session = sessions.get(video);
    if (session) {
        session.stopped = true;
        session.stream.getTracks().forEach(t => t.stop());
        sessions.delete(video);
    }
    if (video) video.srcObject = null;
}

async function loop(video, dotnet, session) {
    const canvas = document.createElement("canvas");
    while (!session.stopped) {
        const started = Date.now();
        try {
            const frame = await grab(video, canvas);
            if (frame && !session.stopped) {
                const done = await dotnet.invokeMethodAsync("OnFrame", frame);
                if (done) { stop(video); return; }
            }
        } catch {
            // The circuit went away or a frame failed: stop quietly; the user can start again.
            stop(video);
            return;
        }
        const wait = FrameIntervalMs - (Date.now() - started);
        if (wait > 0) await new Promise(r => setTimeout(r, wait));
    }
}

async function grab(video, canvas) {
    if (!video.videoWidth || !video.videoHeight) return null;
    for (const [side, quality] of [[640, 0.7], [640, 0.5], [480, 0.5], [400, 0.4]]) {
        const scale = Math.min(1, side / Math.max(video.videoWidth, video.videoHeight));
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        const ctx = canvas.getContext("2d", { willReadFrequently: false });
        // Grey pictures compress better and the QR decoder needs only luminance.
        ctx.filter = "grayscale(1)";
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        const blob = await new Promise(r => canvas.toBlob(r, "image/jpeg", quality));
        if (blob && blob.size <= MaxFrameBytes) return new Uint8Array(await blob.arrayBuffer());
    }
    return null;
}
