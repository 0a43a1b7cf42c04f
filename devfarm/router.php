<?php
/**
 * Router for PHP's built-in server, which ignores .htaccess: it serves static files and
 * /w/*.php as they are, maps /wiki/Title to index.php, and refuses what a web server
 * configured for MediaWiki would refuse.
 */
$devFarmPath = rawurldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) ?? '/' );

if ( preg_match(
	'#^/w/(maintenance|mw-config|includes|vendor|tests|cache|images/(deleted|temp|lockdir|foreign-[a-z]+/temp))(/|$)#',
	$devFarmPath
) ) {
	http_response_code( 403 );
	echo "Forbidden\n";
	return true;
}
if ( $devFarmPath === '/' ) {
	header( 'Location: /wiki/' );
	return true;
}
if ( str_starts_with( $devFarmPath, '/wiki/' ) || $devFarmPath === '/wiki' ) {
	// Must run at global scope: MediaWiki's entry points expect their globals there.
	require $_SERVER['DOCUMENT_ROOT'] . '/w/index.php';
	return true;
}
if ( str_starts_with( $devFarmPath, '/w/' ) && file_exists( $_SERVER['DOCUMENT_ROOT'] . $devFarmPath ) ) {
	return false;
}
http_response_code( 404 );
echo "Not found\n";
return true;
