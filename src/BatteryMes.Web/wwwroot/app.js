// Battery MES browser helpers (served by the app; no CDN).
window.batteryMes = window.batteryMes || {};
window.batteryMes.focus = function (selector) {
    const el = document.querySelector(selector);
    if (el) { el.focus(); if (el.select) { el.select(); } }
};
