/* Hide an AMD loader (require.js) while the vega bundles load, so that they define globals. */
window.__srVegaDefine = window.define;
window.define = undefined;
