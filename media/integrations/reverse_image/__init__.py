"""External reverse-image engines behind one interface (`base.Provider`): Google Cloud Vision web
detection, TinEye and Google Fact Check Tools' image search. Each is off unless its API key is
configured; `registry.configured_providers` builds the ones that are on."""
