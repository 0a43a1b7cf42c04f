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
if ( str_starts_with( $devFarmPath, '/w/images/' ) ) {
	// Files served, with the client's User-Agent, and the wiki's added latency if any.
	$devFarmRoot = dirname( getenv( 'MW_CONFIG_FILE' ) );
	$devFarmFile = $_SERVER['DOCUMENT_ROOT'] . $devFarmPath;
	$devFarm = json_decode( file_get_contents( dirname( $devFarmRoot ) . '/farm.json' ), true );
	$devFarmSelf = $devFarm['wikis'][basename( $devFarmRoot )];
	if ( file_exists( $devFarmFile ) ) {
		file_put_contents( "$devFarmRoot/downloads.log", sprintf( "%.3f\t%s\t%s\n",
			microtime( true ), str_replace( "\t", ' ', $_SERVER['HTTP_USER_AGENT'] ?? '' ),
			$devFarmPath ), FILE_APPEND | LOCK_EX );
		$latency = $devFarmSelf['latency_ms'] ?? 0;
		if ( $latency ) {
			usleep( (int)$latency * 1000 );
		}
	}
	// A damaged copy on the way, for one kind of client: what a proxy in front of the wiki
	// could do to the shared repository's fetch of an original (tests of uploads by URL).
	$devFarmDamage = $devFarmSelf['damage_for_agent'] ?? '';
	if ( $devFarmDamage !== '' && is_file( $devFarmFile ) &&
		str_starts_with( $_SERVER['HTTP_USER_AGENT'] ?? '', $devFarmDamage )
	) {
		$devFarmBytes = file_get_contents( $devFarmFile );
		$devFarmMiddle = intdiv( strlen( $devFarmBytes ), 2 );
		$devFarmBytes[$devFarmMiddle] = chr( ord( $devFarmBytes[$devFarmMiddle] ) ^ 0xFF );
		header( 'Content-Type: application/octet-stream' );
		header( 'Content-Length: ' . strlen( $devFarmBytes ) );
		echo $devFarmBytes;
		return true;
	}
	// Wikimedia's limits on media, when the farm asks for them (see Strict.php).
	require_once __DIR__ . '/Strict.php';
	$devFarmStrict = DevFarmStrict::forWiki( $devFarmSelf, $devFarmRoot );
	if ( $devFarmStrict && str_starts_with( $devFarmPath, '/w/images/thumb/' ) ) {
		$devFarmStrict->checkThumb( $devFarmPath );
	} elseif ( $devFarmStrict && is_file( $devFarmFile ) ) {
		$devFarmStrict->serveOriginal( $devFarmFile, $devFarmPath );
		return true;
	}
}
if ( str_starts_with( $devFarmPath, '/w/' ) && file_exists( $_SERVER['DOCUMENT_ROOT'] . $devFarmPath ) ) {
	return false;
}
http_response_code( 404 );
echo "Not found\n";
return true;
