#!/usr/bin/env node
// A meter-like LwM2M client built on the npm library lwm2m-node-lib 1.4.0 (Telefónica I+D), for meterproof's
// own tests: the suites must judge a client they have never seen, and this one is independent and imperfect.
//
//   node lwm2m_node_lib_client.js SERVER_HOST SERVER_PORT ENDPOINT
//
// The library is installed by the tests (tests/support/npm_install.py runs `npm ci` from package-lock.json
// into a cache folder outside the checkout) and found through NODE_PATH. This file is our own code: it only
// builds a data model with the library's API, registers, and de-registers on SIGTERM. It never patches the
// library: its deviations are what the expectation file records.
//
// What the library's client does (read in node_modules/lwm2m-node-lib/lib, 1.4.0):
//  * LwM2M 1.0 era: Register POST /rd?ep=..&lt=..&lwm2m=<config.client.version>&b=U whose payload lists the
//    registry's instances `</3/0>,...` (lwm2m-client.js generatePayload), with no Content-Format option.
//  * Routes (lwm2m-client.js loadRoutes): GET /x[/y[/z]] = Read (and Observe, Discover with
//    Accept: application/link-format), PUT = Write (Write-Attributes when there is a query), POST /x/y/z =
//    Execute. Nothing else is routed: a request no route matches gets no response from the library.
//  * Values are plain strings: a Read answers the resource's value as text with no Content-Format option;
//    it reads single resources only (an instance Read answers 4.04, an object Read 4.00: read.js
//    applyHandler, objectRegistry.parseUri).
//  * Its CoAP stack (coap 0.22) knows only the Content-Formats registered with it (here 1541, the draft
//    number of text): a request with another Content-Format or Accept is dropped unanswered
//    (coap/lib/server.js "ignore malformed packets").
//  * Observe: pmax from Write-Attributes is used as milliseconds (read.js setInterval(attributes.pmax)).
//  * Instances are what the application creates in the registry (/x/y URIs); no Create or Delete.
//  * An Update only when the application calls update().
// The wrapper creates Device /3/0 (the resources of the library's own Device schema,
// lib/services/object/device.js), Server /1/1 (the resources of its Server schema,
// lib/services/object/server.js, plus the default periods) and a single-phase meter /3421/0, and updates the
// supply voltage /3/0/7 (mV) once a second as a sensor would. Its Execute handler reboots the client on
// /3/0/4 (a new Register) and sends an Update on /1/1/8.
'use strict';

var HELP = 'usage: node lwm2m_node_lib_client.js SERVER_HOST SERVER_PORT ENDPOINT';

function log() {
    var args = Array.prototype.slice.call(arguments);
    process.stderr.write('[lwm2m-node-lib-client] ' + args.join(' ') + '\n');
}

function need(name) {
    try {
        return require(name);
    } catch (err) {
        log('cannot load the npm package ' + name + ' (' + err.message.split('\n')[0] + '); install '
            + 'tests/interop/npm with `npm ci` and point NODE_PATH at its node_modules');
        process.exit(2);
    }
}

var argv = process.argv.slice(2);
if (argv.length !== 3 || !/^\d+$/.test(argv[1])) {
    log(HELP);
    process.exit(2);
}
var SERVER_HOST = argv[0], SERVER_PORT = argv[1], ENDPOINT = argv[2];

var client = need('lwm2m-node-lib').client;
var async = need('async');

var LIFETIME = '300';          // s, as the Register's lt= and /1/1/1
var SERVER_INSTANCE = '/1/1';  // the instance this device's firmware gives its one Server account
var SHORT_SERVER_ID = '101';

// The library's client configuration (its README "Configuration": client.lifetime, version, observe,
// ipProtocol, formats); port 0 lets the library listen where the Register went out.
var config = {
    logLevel: 'DEBUG',        // the library's own log (logops, JSON lines on stdout): what it did with each request
    client: {
        lifetime: LIFETIME,
        version: '1.0',
        logLevel: 'DEBUG',
        observe: { period: 3000 },
        ipProtocol: 'udp4',
        serverProtocol: 'udp4',
        formats: [{ name: 'lightweightm2m/text', value: 1541 }],
        writeFormat: 'lightweightm2m/text'
    }
};

var MODEL = {
    '/3/0': {
        0: 'meterproof interop', 1: 'lwm2m-node-lib 1.4.0 meter', 2: 'LN-' + ENDPOINT, 3: '1.4.0',
        6: '1', 7: '230000', 8: '1250', 9: '100', 10: '128', 11: '0', 13: String(Math.floor(Date.now() / 1000)),
        14: '+00:00', 15: 'Etc/UTC', 16: 'U', 17: 'electricity meter', 18: '1.0', 19: '1.4.0'
    },
    // Server account; 0 Short Server ID, 1 Lifetime, 6 Notification Storing, 7 Binding (the library's schema)
    // plus 2/3 default periods.
    '/1/1': { 0: SHORT_SERVER_ID, 1: LIFETIME, 2: '1', 3: '60', 6: '0', 7: 'U' },   // plain text: Boolean 0/1
    // Single-phase electrical meter (uCIFI 3421): the mandatory readings.
    '/3421/0': { 1: '230.0', 6: '1.25', 13: '0.98', 16: '282.5', 25: '10234.5' }
};

var device = null;        // what register() answered: the registration and the listener
var voltageTimer = null;
var stopping = false;

function buildModel(callback) {
    var steps = [];
    Object.keys(MODEL).forEach(function (uri) {
        steps.push(async.apply(client.registry.create, uri));
        Object.keys(MODEL[uri]).forEach(function (rid) {
            steps.push(async.apply(client.registry.setResource, uri, rid, MODEL[uri][rid]));
        });
    });
    async.series(steps, callback);
}

function handleExecute(objectType, objectId, resourceId, value, callback) {
    var path = '/' + objectType + '/' + objectId + '/' + resourceId;
    log('execute', path);
    callback();
    if (path === '/3/0/4') setTimeout(reboot, 100);
    else if (objectType + '/' + objectId === SERVER_INSTANCE.slice(1) && resourceId === '8') updateNow();
}

function register() {
    client.register(SERVER_HOST, SERVER_PORT, '', ENDPOINT, function (err, info) {
        if (err) {
            log('register failed:', err.name, err.message);
            return;
        }
        device = info;
        client.setHandler(info.serverInfo, 'execute', handleExecute);
        log('registered at', info.location, 'listening on port', info.localPort);
    });
}

function updateNow() {
    if (device) client.update(device, function (err) { log('update', err ? err.message : 'done'); });
}

function reboot() {
    // A reboot: the listener closes without De-register (power goes), the client boots and registers again.
    log('reboot');
    var old = device;
    device = null;
    client.cancellAllObservers(function () {
        if (old && old.serverInfo && old.serverInfo.server) old.serverInfo.server.close();
        setTimeout(register, 200);
    });
}

function stop(signal) {
    if (stopping) return;
    stopping = true;
    log('got', signal + ', de-registering');
    clearInterval(voltageTimer);
    var done = function () { process.exit(0); };
    setTimeout(done, 3000).unref();
    if (!device) return done();
    client.unregister(device, function (err) {
        log('deregister', err ? err.message : 'done');
        done();
    });
}

process.on('SIGTERM', function () { stop('SIGTERM'); });
process.on('SIGINT', function () { stop('SIGINT'); });
log('starting: server', SERVER_HOST + ':' + SERVER_PORT, 'endpoint', ENDPOINT);
client.init(config);
buildModel(function (err) {
    if (err) {
        log('cannot build the data model:', err.message);
        process.exit(1);
    }
    register();
    var v = 0;
    voltageTimer = setInterval(function () {     // the supply voltage, sampled once a second
        v = (v + 1) % 10;
        client.registry.setResource('/3/0', '7', String(229500 + 100 * v), function () {});
    }, 1000);
});
