#!/usr/bin/env node
// A meter-like LwM2M client built on the npm library coap-node 0.2.5 (PeterEB), for meterproof's own
// tests: the suites must judge a client they have never seen, and this one is independent and imperfect.
//
//   node coap_node_client.js SERVER_HOST SERVER_PORT ENDPOINT
//
// The library is installed by the tests (tests/support/npm_install.py runs `npm ci` from package-lock.json
// into a cache folder outside the checkout) and found through NODE_PATH. This file is our own code: it only
// builds a data model with the library's API, registers, and de-registers on SIGTERM. It never patches the
// library: its deviations are what the expectation file records.
//
// What the library does (read in node_modules/coap-node/lib, 0.2.5):
//  * LwM2M 1.0: Register POST /rd?ep=..&lt=..&lwm2m=1.0.0&mac=.. with a link-format payload that starts
//    with `</>;ct=11543;hb` and lists every instance of the SmartObject (lib/components/helper.js).
//  * Formats: TLV (11542) by default and for any Accept it does not know, text/plain when asked,
//    OMA JSON (11543) when asked (lib/components/reqHandler.js getRspDataAndOption).
//  * Operations: Read, Discover, Write (PUT), Write-Attributes (PUT without Content-Format), Execute,
//    Create (POST with a Content-Format), Delete, Observe / Cancel; an Update only when the application
//    calls update().
//  * Device /3/0 is created by the library itself (lib/init.js) from the constructor's attributes; it also
//    creates Connectivity Monitoring /4/0.
// The wrapper adds what a meter's firmware would: Security /0/0 and Server /1/0 (the objects the library's
// own bootstrap and registerConfigured() use), Reboot /3/0/4, Error Code /3/0/11, Supported Binding /3/0/16,
// a supply voltage /3/0/7 (mV) that a sensor updates every second, a supply current /3/0/8 (mA), and a
// single-phase meter /3421/0.
'use strict';

var HELP = 'usage: node coap_node_client.js SERVER_HOST SERVER_PORT ENDPOINT';

function log() {
    var args = Array.prototype.slice.call(arguments);
    process.stderr.write('[coap-node-client] ' + args.join(' ') + '\n');
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
var SERVER_HOST = argv[0], SERVER_PORT = Number(argv[1]), ENDPOINT = argv[2];

var SmartObject = need('smartobject');
var CoapNode = need('coap-node');

var LIFETIME = 300;          // s; the library sends lt= and updates 10 s before it runs out
var SHORT_SERVER_ID = 123;   // what the firmware of a device chooses (Leshan's and Wakaama's demos use 123)

var cnode = null;
var voltageTimer = null;
var stopping = false;

// smartobject calls exec(arg1, ..., argN, callback): the callback is always the last argument.
function lastArg(args) {
    return args[args.length - 1];
}

function buildModel(so) {
    so.init('lwm2mSecurity', 0, {
        lwm2mServerURI: 'coap://' + SERVER_HOST + ':' + SERVER_PORT,
        bootstrapServer: false,
        securityMode: 3,                       // NoSec
        pubKeyId: '',
        serverPubKeyId: '',
        secretKey: '',
        shortServerId: SHORT_SERVER_ID
    });
    so.init('lwm2mServer', 0, {
        shortServerId: SHORT_SERVER_ID,
        lifetime: LIFETIME,
        defaultMinPeriod: 1,
        defaultMaxPeriod: 60,
        notificationStoring: false,
        binding: 'U',
        regUpdateTrigger: { exec: function () { updateNow(); lastArg(arguments)(null, null); } }
    });
    // Single-phase electrical meter (uCIFI 3421): the mandatory readings, updated by the metering chip.
    so.init('3421', 0, { 1: 230.0, 6: 1.25, 13: 0.98, 16: 282.5, 25: 10234.5 });
}

function extendDevice(so) {
    // The library (re)creates /3/0 in its constructor; add what a meter's firmware has on top of it.
    var dev = so.dumpSync('device', 0);
    dev.reboot = { exec: function () { lastArg(arguments)(null, null); setTimeout(reboot, 100); } };
    dev.errCode = 0;
    dev.bindAndModes = 'U';
    // Multiple resources hold one value each, the way the library's own /3/0 has them (lib/init.js
    // availPwrSrc, pwrSrcVoltage): its TLV encoder crashes on the {instance: value} form with integers
    // (lwm2m-codec 0.0.8 encode.js encodeTlvResrc: Buffer.from(number)).
    dev.pwrSrcCurrent = 1250;                  // mA
    so.init('device', 0, dev);
}

function boot() {
    var so = new SmartObject();
    buildModel(so);
    cnode = new CoapNode(ENDPOINT, so, {
        lifetime: LIFETIME, manuf: 'meterproof interop', model: 'coap-node 0.2.5 meter',
        serial: 'CN-' + ENDPOINT, firmware: '0.2.5', devType: 'electricity meter', hwVer: '1.0', swVer: '0.2.5',
        availPwrSrc: 1, pwrSrcVoltage: 230000      // mains; mV
    });
    extendDevice(so);
    cnode.on('registered', function () { log('registered at', cnode.locationPath, 'from port', cnode.port); });
    cnode.on('deregistered', function () { log('deregistered'); });
    cnode.on('error', function (err) { log('library error:', err && err.message); });
    cnode.register(SERVER_HOST, SERVER_PORT, function (err, rsp) {
        if (err) log('register failed:', err.message);
        else log('register answered', rsp.status);
    });
    var v = 0;
    voltageTimer = setInterval(function () {     // the supply voltage, sampled once a second
        v = (v + 1) % 10;
        so.write('device', 0, 'pwrSrcVoltage', 229500 + 100 * v, function () {});
    }, 1000);
}

function shutDown(node) {
    clearInterval(voltageTimer);
    Object.keys(node.servers).forEach(function (k) { try { node.servers[k].close(); } catch (e) { /* closed */ } });
}

function updateNow() {
    if (cnode) cnode.update({}, function (err, rsp) { log('update', err ? err.message : rsp.status); });
}

function reboot() {
    // A reboot: the old client stops without De-register (power goes), a new one boots and registers.
    log('reboot');
    var old = cnode;
    cnode = null;
    old._registered = false;     // the library has no stop(): this keeps its lifetime timer from sending Updates
    shutDown(old);
    setTimeout(boot, 200);
}

function stop(signal) {
    if (stopping) return;
    stopping = true;
    log('got', signal + ', de-registering');
    var done = function () { if (cnode) shutDown(cnode); process.exit(0); };
    setTimeout(done, 3000).unref();
    if (!cnode) return done();
    cnode.deregister(function (err, rsp) {
        log('deregister', err ? err.message : rsp.status);
        done();
    });
}

process.on('SIGTERM', function () { stop('SIGTERM'); });
process.on('SIGINT', function () { stop('SIGINT'); });
log('starting: server', SERVER_HOST + ':' + SERVER_PORT, 'endpoint', ENDPOINT);
boot();
