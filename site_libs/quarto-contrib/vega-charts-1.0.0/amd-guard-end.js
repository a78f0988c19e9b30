/* Give the page back its AMD loader, if it had one. */
if (window.__srVegaDefine !== undefined) { window.define = window.__srVegaDefine; }
delete window.__srVegaDefine;
