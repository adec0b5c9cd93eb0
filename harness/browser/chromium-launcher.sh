#!/bin/sh
# Debian's Chromium with Omnibox popup WebUI turned off, for Playwright (harness/browser/chromium.ts).
# Headless Chromium still builds a window's Omnibox popup as a WebUI page in a renderer process of
# its own: ~1.4 s of CPU per window, and the browser scenario opens a window per check (measured:
# 9 such renderers, 12 s of CPU, in one run of scenarios/browser.test.ts). Chromium keeps only the
# last --disable-features it is given and Playwright passes its own list, so the lists are merged
# here: every --disable-features argument becomes one, with ours added.
features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup
first=true
for arg do
  if $first; then
    set --
    first=false
  fi
  case $arg in
    --disable-features=*) features="$features,${arg#--disable-features=}" ;;
    *) set -- "$@" "$arg" ;;
  esac
done
exec /usr/bin/chromium "$@" "--disable-features=$features"
