<?php
// Microsoft autodiscover (POX) for Mirovoy Mail, shipped by host/web/autoconfig.ts; do not edit on the host.
// Outlook POSTs <Autodiscover><Request><EMailAddress>…; the answer names IMAP and SMTP of the
// mail host from autodiscover.json beside this script, with the address as the login name.
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/pox-autodiscover-request-and-response-elements
declare(strict_types=1);

const RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const OUTLOOK_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
// Far above a real request (a few hundred bytes); more is not parsed at all.
const MAX_REQUEST_BYTES = 16384;

/** Sends an autodiscover document built by $fill on a fresh DOM, with the HTTP status. */
function answer(int $status, callable $fill): void
{
    $doc = new DOMDocument('1.0', 'UTF-8');
    $doc->formatOutput = true;
    $root = $doc->appendChild($doc->createElementNS(RESPONSE_NS, 'Autodiscover'));
    $fill($doc, $root);
    http_response_code($status);
    header('Content-Type: text/xml; charset=utf-8');
    echo $doc->saveXML();
}

/** The POX error response: 600 invalid request, 601 schema not supported. */
function fail(int $status, int $code, string $message): void
{
    answer($status, function (DOMDocument $doc, DOMElement $root) use ($code, $message): void {
        $error = $root->appendChild($doc->createElementNS(RESPONSE_NS, 'Response'))->appendChild($doc->createElementNS(RESPONSE_NS, 'Error'));
        $error->setAttribute('Time', gmdate('H:i:s'));
        $error->setAttribute('Id', (string) crc32($message));
        $error->appendChild($doc->createElementNS(RESPONSE_NS, 'ErrorCode'))->appendChild($doc->createTextNode((string) $code));
        $error->appendChild($doc->createElementNS(RESPONSE_NS, 'Message'))->appendChild($doc->createTextNode($message));
        $error->appendChild($doc->createElementNS(RESPONSE_NS, 'DebugData'));
    });
    exit;
}

if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') {
    header('Allow: POST');
    fail(405, 600, 'Invalid Request: autodiscover takes a POST of the request XML');
}
$body = (string) file_get_contents('php://input', false, null, 0, MAX_REQUEST_BYTES + 1);
if ($body === '' || strlen($body) > MAX_REQUEST_BYTES) fail(400, 600, 'Invalid Request: empty or oversized body');

// No network, no DTD loading, no entity substitution; a document with any DOCTYPE is refused
// outright, so neither external entities (XXE) nor entity expansion can reach the answer.
$request = new DOMDocument();
$previous = libxml_use_internal_errors(true);
$parsed = $request->loadXML($body, LIBXML_NONET);
libxml_use_internal_errors($previous);
if (!$parsed || $request->doctype !== null) fail(400, 600, 'Invalid Request: not a well-formed XML document without DOCTYPE');

$xpath = new DOMXPath($request);
$value = fn (string $name): string => trim((string) $xpath->evaluate("string(/*[local-name()='Autodiscover']/*[local-name()='Request']/*[local-name()='$name'])"));
$address = $value('EMailAddress');
if (filter_var($address, FILTER_VALIDATE_EMAIL) === false) fail(400, 600, 'Invalid Request: no valid EMailAddress in Autodiscover/Request');
$schema = $value('AcceptableResponseSchema');
if ($schema !== '' && $schema !== OUTLOOK_NS) fail(200, 601, 'Requested schema version not supported');

$settings = json_decode((string) file_get_contents(__DIR__ . '/autodiscover.json'), true, 8, JSON_THROW_ON_ERROR);
$domain = strtolower(substr($address, strrpos($address, '@') + 1));
if (!in_array($domain, $settings['domains'], true)) fail(200, 600, 'Invalid Request: not a mail domain of this service');

answer(200, function (DOMDocument $doc, DOMElement $root) use ($settings, $address): void {
    $account = $root->appendChild($doc->createElementNS(OUTLOOK_NS, 'Response'))->appendChild($doc->createElementNS(OUTLOOK_NS, 'Account'));
    $add = function (DOMElement $parent, string $name, string $text) use ($doc): void {
        $parent->appendChild($doc->createElementNS(OUTLOOK_NS, $name))->appendChild($doc->createTextNode($text));
    };
    $add($account, 'AccountType', 'email');
    $add($account, 'Action', 'settings');
    foreach ($settings['protocols'] as $protocol) {
        $element = $account->appendChild($doc->createElementNS(OUTLOOK_NS, 'Protocol'));
        foreach ($protocol as $name => $text) $add($element, (string) $name, (string) $text);
        $add($element, 'LoginName', $address);
    }
});
