/* OHIF's configuration, served by Ferrum in place of the dist's own app-config.js.
 *
 * One DICOMweb data source: this server's own root. Who reads it:
 * - opened with ?link=TOKEN (the "Open in OHIF" button of a viewer link's page): that link,
 *   at /share/TOKEN/dicomweb. The link's proof cookie (set by its page or its PIN) goes with
 *   every request by itself; no header is added. No study list: the link opens one study.
 * - otherwise: the web app's session in this tab. Its bearer token is read from the tab's
 *   sessionStorage (where the web app keeps it) for every request, through OHIF's user
 *   authentication service, which its DICOMweb data source and image loader ask for the
 *   Authorization header of each request. The access token lives minutes: shortly before it
 *   expires it is renewed with the session's refresh token, as the web app does.
 * The file is the same for every caller and holds no token.
 */
(function () {
  'use strict';
  var TOKEN_KEY = 'ferrum.token';
  var REFRESH_KEY = 'ferrum.refresh';
  var query = new URLSearchParams(window.location.search);
  var link = query.get('link');
  if (link && !/^[A-Za-z0-9_-]+$/.test(link)) link = null;
  var root = window.location.origin + (link ? '/share/' + link + '/dicomweb' : '/dicomweb');

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** Seconds left before the access token expires (its `exp` claim); 0 when unknown. */
  function secondsLeft(jwt) {
    try {
      var part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(part)).exp - Date.now() / 1000;
    } catch (e) {
      return 0;
    }
  }

  var renewing = false;
  function renewSoon() {
    var jwt = token();
    var refresh = sessionStorage.getItem(REFRESH_KEY);
    if (!jwt || !refresh || renewing || secondsLeft(jwt) > 90) return;
    renewing = true;
    fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: refresh }),
      credentials: 'same-origin',
    })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (body) {
          sessionStorage.setItem(TOKEN_KEY, body.access_token);
          sessionStorage.setItem(REFRESH_KEY, body.refresh_token);
        }
      })
      .catch(function () {})
      .then(function () { renewing = false; });
  }

  var session = {
    id: 'ferrum-session',
    preRegistration: function (args) {
      args.servicesManager.services.userAuthenticationService.setServiceImplementation({
        getAuthorizationHeader: function () {
          var jwt = !link && token();
          return jwt ? { Authorization: 'Bearer ' + jwt } : {};
        },
      });
      if (!link) window.setInterval(renewSoon, 20000);
    },
  };

  window.config = {
    name: 'ferrum',
    routerBasename: '/ohif',
    extensions: [session],
    modes: [],
    customizationService: {},
    showStudyList: !link,
    maxNumberOfWebWorkers: 3,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: true,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    investigationalUseDialog: { option: 'never' },
    maxNumRequests: { interaction: 100, thumbnail: 5, prefetch: 25 },
    defaultDataSourceName: 'ferrum',
    dataSources: [
      {
        namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
        sourceName: 'ferrum',
        configuration: {
          friendlyName: 'Ferrum PACS',
          name: 'ferrum',
          wadoUriRoot: root,
          qidoRoot: root,
          wadoRoot: root,
          qidoSupportsIncludeField: true,
          supportsReject: false,
          imageRendering: 'wadors',
          thumbnailRendering: 'wadors',
          enableStudyLazyLoad: true,
          supportsFuzzyMatching: false,
          supportsWildcard: true,
          staticWado: false,
          singlepart: 'video',
          omitQuotationForMultipartRequest: true,
          bulkDataURI: { enabled: true },
          dicomUploadEnabled: false,
        },
      },
    ],
  };
})();
