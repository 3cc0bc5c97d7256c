// Battery MES page functions: focus a field, watch for an idle station (served by the app; no CDN).
window.batteryMes = window.batteryMes || {};
window.batteryMes.focus = function (selector) {
    const el = document.querySelector(selector);
    if (el) { el.focus(); if (el.select) { el.select(); } }
};
// Loads a script once per page (later callers share the same promise): plotly.js is fetched only where a chart needs it.
window.batteryMes.loadScript = function (src) {
    const loads = window.batteryMes.scriptLoads = window.batteryMes.scriptLoads || {};
    if (!loads[src]) {
        loads[src] = new Promise(function (resolve, reject) {
            const script = document.createElement('script');
            script.src = src;
            script.onload = function () { resolve(); };
            script.onerror = function () { delete loads[src]; script.remove(); reject(new Error('Could not load ' + src)); };
            document.head.appendChild(script);
        });
    }
    return loads[src];
};

// Idle sign-out for shared stations: after idleMs without a touch, click or key the station signs out (the sign-out
// form posts with its antiforgery token). While the person works, the sign-in cookie is renewed at most once a minute.
window.batteryMes.watchIdle = function (idleMs) {
    if (window.batteryMes._idle) { window.batteryMes._idle.idleMs = idleMs; return; }
    const state = window.batteryMes._idle = { idleMs: idleMs, last: Date.now(), renewed: Date.now() };
    const touch = function () {
        state.last = Date.now();
        if (state.last - state.renewed > 60000) {
            state.renewed = state.last;
            fetch('account/alive', { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
                if (r.status === 401) { window.location.href = 'signin?problem=expired'; }
            }).catch(function () { /* offline: the circuit shows its own reconnect message */ });
        }
    };
    ['pointerdown', 'keydown', 'touchstart', 'wheel'].forEach(function (name) {
        document.addEventListener(name, touch, { capture: true, passive: true });
    });
    setInterval(function () {
        if (Date.now() - state.last < state.idleMs) { return; }
        const form = document.getElementById('signout-form');
        if (!form || state.signingOut) { return; }
        state.signingOut = true;
        form.querySelector('input[name="reason"]').value = 'idle';
        form.submit();
    }, 1000);
};
