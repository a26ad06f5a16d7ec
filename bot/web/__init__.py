"""The web door: the same journey in any browser, server-rendered, without JavaScript."""
