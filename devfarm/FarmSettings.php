<?php
/**
 * Settings shared by the three dev-farm wikis. Each wiki's LocalSettings.php (written by
 * install.php) ends by setting $devFarmWiki and $devFarmConfig and requiring this file.
 * The values come from farm.json, which devfarm/farm.py writes on every `up`.
 */

if ( !defined( 'MEDIAWIKI' ) ) {
	exit;
}

$devFarm = json_decode( file_get_contents( $devFarmConfig ), true );
$devFarmSelf = $devFarm['wikis'][$devFarmWiki];
$devFarmDir = $devFarm['dir'] . '/' . $devFarmWiki;

$wgServer = $devFarmSelf['server'];
$wgCanonicalServer = $devFarmSelf['server'];
$wgScriptPath = '/w';
$wgArticlePath = '/wiki/$1';
$wgUsePathInfo = true;

// Cookies are not separated by port, so each wiki needs its own names.
$wgCookiePrefix = 'devfarm_' . $devFarmWiki;
$wgSessionName = 'devfarm_' . $devFarmWiki . '_session';
// One memcached for the farm when it runs one (devfarm/memcache.py), as production farms do,
// through the PHP memcached extension as they do (MediaWiki's own PHP client spends longer
// per lookup, and a page with foreign files makes three lookups for each); else no object
// cache, so that every lookup shows as a database query.
$devFarmMemcached = ( $devFarm['cache'] ?? 'none' ) === 'memcached';
if ( $devFarmMemcached ) {
	$wgObjectCaches['devfarm-memcached'] = [
		'class' => MemcachedPeclBagOStuff::class,
		// The farm's memcached listens on a Unix socket (a path, no port).
		'servers' => [ $devFarm['memcached'] ],
		'serializer' => 'php',
		'persistent' => false,
		'server_failure_limit' => 1e9,
		'retry_timeout' => -1,
		'timeout' => 500 * 1000,
		'loggroup' => 'memcached',
	];
	$wgMainCacheType = 'devfarm-memcached';
} else {
	$wgMainCacheType = CACHE_NONE;
}
$wgSessionCacheType = CACHE_DB;
$wgParserCacheType = CACHE_DB;

$wgUploadDirectory = "$devFarmDir/images";
$wgUploadPath = '/w/images';
$wgCacheDirectory = "$devFarmDir/cache";
$wgTmpDirectory = "$devFarmDir/tmp";

// Real ImageMagick is rarely installed here, and a stand-in `convert` on PATH would fool the installer.
$wgUseImageMagick = false;
$wgGenerateThumbnailOnParse = true;
$wgUseInstantCommons = false;
$wgShowExceptionDetails = true;
// PHP's warnings and MediaWiki's deprecation notices, one file per wiki: a test reads it to
// show that the farm's own PHP works on every MediaWiki it runs on (1.39, 1.43).
$wgDebugLogGroups['error'] = "$devFarmDir/php-errors.log";
$wgDebugLogGroups['deprecated'] = "$devFarmDir/php-errors.log";
$wgDebugLogGroups['exception'] = "$devFarmDir/php-errors.log";
// api.php never runs jobs; index.php should not either, so tests decide when jobs run.
$wgJobRunRate = 0;
$wgEnableEmail = false;
$wgEnableUserEmail = false;
$wgGroupPermissions['*']['createaccount'] = false;
$wgGroupPermissions['*']['edit'] = false;
$wgRateLimits = [];
$wgMaxUploadSize = 1024 * 1024 * 1024;
// Room for the 2 MB description pages of the robustness tests (the value is in KiB).
$wgMaxArticleSize = 4096;
$wgAPIMaxResultSize = 64 * 1024 * 1024;
$wgFileExtensions = $devFarmSelf['file_extensions'];
// A wiki in another language than English (tests of the bot's messages in the wiki's
// language set it for the shared repository).
$wgLanguageCode = $devFarmSelf['language'] ?? 'en';
$wgStrictFileExtensions = true;
$wgVerifyMimeType = true;

wfLoadExtension( 'ParserFunctions' );
wfLoadExtension( 'Interwiki' );
// The Commons stand-in stores structured data in a mediainfo slot, as Commons does.
if ( $devFarmSelf['mediainfo'] ?? false ) {
	wfLoadExtension( 'DevFarmMediaInfo', __DIR__ . '/extensions/DevFarmMediaInfo/extension.json' );
}
$wgGroupPermissions['sysop']['interwiki'] = true;

$wgEnableUploads = $devFarmSelf['uploads'];
// Uploads by URL from the Commons stand-in (tests narrow the domains or the timeout).
if ( $devFarmSelf['copy_uploads'] ) {
	$wgAllowCopyUploads = true;
	$wgCopyUploadsDomains = $devFarmSelf['copy_upload_domains'] ?? [ '127.0.0.1' ];
	$wgCopyUploadTimeout = $devFarmSelf['copy_upload_timeout'] ?? 120;
	$wgGroupPermissions['bot']['upload_by_url'] = true;
}

// A shared repository that fails on some files, whatever the bot does (a PHP error in a
// media handler, a proxy in front of it): HTTP 503 for uploads of the names listed.
if ( ( $_POST['action'] ?? '' ) === 'upload' &&
	in_array( $_POST['filename'] ?? '', $devFarmSelf['failing_uploads'] ?? [], true )
) {
	http_response_code( 503 );
	echo "devfarm: this upload always fails\n";
	exit;
}

// Core MediaWiki's spam filter: an edit whose text matches one of these is refused, as a
// farm's SpamBlacklist or AbuseFilter refuses it (tests of writes refused on one page).
$wgSpamRegex = $devFarmSelf['spam_regex'] ?? [];

// Tests give groups rights here (the bot the protect right for -setup, say)...
foreach ( $devFarmSelf['granted_rights'] ?? [] as $group => $rights ) {
	foreach ( $rights as $right ) {
		$wgGroupPermissions[$group][$right] = true;
	}
}
// ... and take rights away to show how the bot reports a broken set-up.
foreach ( $devFarmSelf['revoked_rights'] ?? [] as $right ) {
	foreach ( [ '*', 'user', 'autoconfirmed', 'bot', 'sysop' ] as $group ) {
		$wgGroupPermissions[$group][$right] = false;
	}
}

/**
 * A foreign repository read straight from its SQLite database, as the wikis of a farm read
 * their shared media repository (Wikimedia's use ForeignDBViaLBRepo). ForeignDBRepo passes
 * no database directory to SQLite, so this adds it.
 */
class DevFarmSqliteRepo extends ForeignDBRepo {
	/** @var string */
	private $devFarmDbDirectory;

	public function __construct( $info ) {
		parent::__construct( $info );
		$this->devFarmDbDirectory = $info['dbDirectory'];
	}

	protected function getDBFactory() {
		$params = [ 'dbname' => $this->dbName, 'dbDirectory' => $this->devFarmDbDirectory,
			'flags' => $this->dbFlags, 'tablePrefix' => $this->tablePrefix,
			'host' => '', 'user' => '', 'password' => '' ];
		// Database::factory() is gone in 1.43; the service's factory is on both 1.39 and 1.43.
		return static function ( $index ) use ( $params ) {
			return MediaWiki\MediaWikiServices::getInstance()->getDatabaseFactory()
				->create( 'sqlite', $params );
		};
	}
}

$wgForeignFileRepos = [];
foreach ( $devFarmSelf['foreign_repos'] as $repo ) {
	$other = $devFarm['wikis'][$repo];
	if ( in_array( $repo, $devFarmSelf['db_repos'] ?? [], true ) &&
		( $devFarm['db'] ?? 'sqlite' ) === 'mariadb'
	) {
		// A farm on one MariaDB server: the repository's database through the farm's load
		// balancer, as Wikimedia's wikis read Commons and Miraheze's their shared repository.
		$wgForeignFileRepos[] = [
			'class' => ForeignDBViaLBRepo::class,
			'name' => "devfarm-$repo",
			'wiki' => "devfarm_$repo",
			// The farm's memcached is the repository's too: lookups come from memory, and
			// an upload there clears them for every wiki.
			'hasSharedCache' => $devFarmMemcached,
			'directory' => $devFarm['dir'] . "/$repo/images",
			'url' => $other['server'] . '/w/images',
			'hashLevels' => 2,
			'descBaseUrl' => $other['server'] . '/wiki/File:',
			'scriptDirUrl' => $other['server'] . '/w',
			'fetchDescription' => false,
		];
		continue;
	}
	if ( in_array( $repo, $devFarmSelf['db_repos'] ?? [], true ) ) {
		$wgForeignFileRepos[] = [
			'class' => DevFarmSqliteRepo::class,
			'name' => "devfarm-$repo",
			'dbType' => 'sqlite',
			'dbServer' => '',
			'dbUser' => '',
			'dbPassword' => '',
			'dbName' => 'wikidb',
			'dbFlags' => 0,
			'tablePrefix' => '',
			'dbDirectory' => $devFarm['dir'] . "/$repo/data",
			'hasSharedCache' => false,
			'directory' => $devFarm['dir'] . "/$repo/images",
			'url' => $other['server'] . '/w/images',
			'hashLevels' => 2,
			'descBaseUrl' => $other['server'] . '/wiki/File:',
			'scriptDirUrl' => $other['server'] . '/w',
			'fetchDescription' => false,
		];
		continue;
	}
	$wgForeignFileRepos[] = [
		'class' => ForeignAPIRepo::class,
		'name' => "devfarm-$repo",
		'apibase' => $other['server'] . '/w/api.php',
		// Each foreign repo gets its own local folder and URLs; thumbnails are hotlinked.
		'url' => $other['server'] . '/w/images',
		'thumbUrl' => $other['server'] . '/w/images/thumb',
		'directory' => "$devFarmDir/images/foreign-$repo",
		'hashLevels' => 2,
		'fetchDescription' => true,
		'apiThumbCacheExpiry' => 0,
		// 0 would mean "forever": one second keeps tests from reading stale metadata.
		'apiMetadataExpiry' => 1,
		'descriptionCacheExpiry' => 1,
	];
}

// Every API request, with the client's User-Agent, one line each: benchmarks and tests
// count requests from the wikis' side, and tell the bot's from MediaWiki's own.
if ( defined( 'MW_API' ) ) {
	file_put_contents(
		"$devFarmDir/api-requests.log",
		sprintf( "%.3f\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", microtime( true ),
			str_replace( "\t", ' ', $_SERVER['HTTP_USER_AGENT'] ?? '' ),
			$_SERVER['REQUEST_METHOD'] ?? '', $_REQUEST['action'] ?? '',
			$_REQUEST['prop'] ?? '', $_REQUEST['list'] ?? '',
			isset( $_REQUEST['titles'] ) ? count( explode( '|', $_REQUEST['titles'] ) ) : 0,
			$_REQUEST['meta'] ?? '' ),
		FILE_APPEND | LOCK_EX
	);
}
// Every upload request with its start and end, and what it carried (a URL, a file, a
// chunk, or a stash key to publish), for the tests of uploads by URL and at once.
if ( defined( 'MW_API' ) && ( $_REQUEST['action'] ?? '' ) === 'upload' ) {
	$devFarmUploadStart = microtime( true );
	register_shutdown_function( static function () use ( $devFarmDir, $devFarmUploadStart ) {
		$carried = isset( $_REQUEST['url'] ) ? 'url' : ( isset( $_FILES['chunk'] ) ? 'chunk'
			: ( isset( $_FILES['file'] ) ? 'file' : ( isset( $_REQUEST['filekey'] ) ? 'filekey'
			: 'other' ) ) );
		file_put_contents( "$devFarmDir/uploads.log", sprintf( "%.3f\t%.3f\t%s\t%s\t%s\n",
			$devFarmUploadStart, microtime( true ), $carried,
			empty( $_REQUEST['stash'] ) ? 'publish' : 'stash',
			str_replace( "\t", ' ', $_REQUEST['filename'] ?? '' ) ), FILE_APPEND | LOCK_EX );
	} );
}
// Wikimedia's per-client limits on the Action API, when the farm asks for them: after the
// session is loaded, so that a client logged in with the bot right is exempt, as on Commons.
require_once __DIR__ . '/Strict.php';
$devFarmStrict = DevFarmStrict::forWiki( $devFarmSelf, $devFarmDir );
if ( $devFarmStrict && defined( 'MW_API' ) ) {
	$wgHooks['ApiBeforeMain'][] = static function ( $main ) use ( $devFarmStrict ) {
		$user = $main->getUser();
		$devFarmStrict->checkApi( $user->isRegistered() && $user->isAllowed( 'bot' ) );
		return true;
	};
}
// Added latency, for benchmarks of what readers feel when a wiki is far away.
if ( !empty( $devFarmSelf['latency_ms'] ) && PHP_SAPI !== 'cli' ) {
	usleep( (int)$devFarmSelf['latency_ms'] * 1000 );
}
