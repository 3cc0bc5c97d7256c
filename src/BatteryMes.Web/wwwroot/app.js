// Battery MES page functions: focus a field, watch for an idle station (served by the app; no CDN).
window.batteryMes = window.batteryMes || {};
// A field that has the focus already is left alone: selecting its text would let the next key replace what was typed.
window.batteryMes.focus = function (selector) {
    const el = document.querySelector(selector);
    if (el && document.activeElement !== el) { el.focus(); if (el.select) { el.select(); } }
};

// A wedge scanner ends a badge with Enter and the person types the PIN at once: the focus moves in the browser, at the
// Enter itself, so that no digit lands in the login field while the server's answer is on its way.
window.batteryMes.enterMovesFocus = function (fromSelector, toSelector) {
    const from = document.querySelector(fromSelector);
    if (!from || from.dataset.enterMovesFocus) { return; }
    from.dataset.enterMovesFocus = 'on';
    from.addEventListener('keydown', function (e) {
        if (e.key !== 'Enter' && e.key !== 'NumpadEnter') { return; }
        const to = document.querySelector(toSelector);
        if (to) { to.focus(); }
    });
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
// form posts with its antiforgery token). While the person works, the sign-in cookie (which runs out after idleMs) is
// renewed at most once a minute, and more often when the idle time is short, so that it never runs out during work.
window.batteryMes.watchIdle = function (idleMs) {
    if (window.batteryMes._idle) { window.batteryMes._idle.idleMs = idleMs; return; }
    const state = window.batteryMes._idle = { idleMs: idleMs, last: Date.now(), renewed: Date.now() };
    const touch = function () {
        state.last = Date.now();
        if (state.last - state.renewed > Math.min(60000, state.idleMs / 4)) {
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
