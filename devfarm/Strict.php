<?php
/**
 * The Commons stand-in's strict mode: Wikimedia's limits per client, as enforced since 2025
 * (mediawiki.org "Wikimedia APIs/Rate limits", wikitech "Robot policy"), so that a test can
 * see a client break them. Used by router.php (originals and thumbnails under /w/images/) and
 * FarmSettings.php (api.php, where MediaWiki knows who is logged in).
 *
 * A client is its User-Agent (every client here comes from 127.0.0.1). Its budget lives in
 * strict-state.json beside the wiki's LocalSettings.php, shared by the server's workers under
 * an flock; every refusal is one line in strict.log: time, rule, User-Agent, path.
 */

final class DevFarmStrict {
	/** Wikimedia's values; farm.json's "strict" object overrides any of them. */
	public const DEFAULTS = [
		// Action API, compliant User-Agent, not logged in with the bot right
		'api_per_minute' => 200,
		// Action API, no usable User-Agent
		'api_unidentified_per_minute' => 10,
		// The window those budgets are counted over, in seconds ("per minute"); tests
		// shorten it, with the budgets scaled alike
		'api_window' => 60,
		// Originals: downloads at once per client, and the rate averaged over a window
		'media_in_flight' => 2,
		'media_mbit' => 25,
		'media_window' => 10,
		'require_referer' => true,
		// The only thumbnail widths served
		'thumb_steps' => [ 20, 40, 60, 120, 250, 330, 500, 960, 1280, 1920, 3840 ],
	];

	/** Generic HTTP libraries: a User-Agent that is only one of these identifies nobody. */
	private const GENERIC = '/^(python-requests|python-urllib|python-httpx|aiohttp|curl|wget|' .
		'go-http-client|java|okhttp|axios|node-fetch|undici|libwww-perl|guzzlehttp)\b/i';

	private const PIECE = 65536;

	/** @var array */
	private $limits;
	/** @var string */
	private $root;
	/** @var string */
	private $client;
	/** @var string|null */
	private $flightId = null;

	private function __construct( array $limits, string $root ) {
		$this->limits = $limits;
		$this->root = $root;
		$this->client = str_replace( [ "\t", "\n" ], ' ', $_SERVER['HTTP_USER_AGENT'] ?? '' );
	}

	/**
	 * The strict mode of this wiki, or null when its farm settings leave it off.
	 * @param array $wiki the wiki's entry in farm.json
	 * @param string $root the wiki's folder
	 */
	public static function forWiki( array $wiki, string $root ): ?self {
		if ( empty( $wiki['strict'] ) ) {
			return null;
		}
		$limits = array_merge( self::DEFAULTS, is_array( $wiki['strict'] ) ? $wiki['strict'] : [] );
		return new self( $limits, $root );
	}

	public function identified(): bool {
		return trim( $this->client ) !== '' && !preg_match( self::GENERIC, $this->client );
	}

	/**
	 * An api.php request: within the client's budget per minute unless exempt (logged in
	 * with the bot right). Refused requests do not count.
	 */
	public function checkApi( bool $exempt ): void {
		if ( $exempt ) {
			return;
		}
		$budget = $this->identified() ? $this->limits['api_per_minute']
			: $this->limits['api_unidentified_per_minute'];
		$now = microtime( true );
		$window = (float)$this->limits['api_window'];
		$wait = $this->withState( function ( array &$state ) use ( $budget, $now, $window ) {
			$key = 'api ' . $this->client;
			$times = array_values( array_filter( $state[$key] ?? [],
				static function ( $t ) use ( $now, $window ) {
					return $t > $now - $window;
				} ) );
			if ( count( $times ) >= $budget ) {
				$state[$key] = $times;
				return $times[count( $times ) - $budget] + $window - $now;
			}
			$times[] = $now;
			$state[$key] = $times;
			return 0;
		} );
		if ( $wait > 0 ) {
			$this->refuse( 'api-rate', "more than $budget API requests in {$window} s", $wait );
		}
	}

	/** A thumbnail at a width Wikimedia does not serve is refused. */
	public function checkThumb( string $path ): void {
		if ( preg_match( '#/(\d+)px-[^/]+$#', $path, $m ) &&
			!in_array( (int)$m[1], $this->limits['thumb_steps'], true )
		) {
			$this->refuse( 'thumb-width', "thumbnail width {$m[1]} is not a standard step", 1 );
		}
	}

	/**
	 * Serve an original: with a Referer, at most media_in_flight at once, and only while the
	 * client's bucket (media_window seconds of the rate) is not spent. Bytes are counted as
	 * they are written, piece by piece; Range requests are honoured.
	 */
	public function serveOriginal( string $file, string $path ): void {
		if ( $this->limits['require_referer'] && trim( $_SERVER['HTTP_REFERER'] ?? '' ) === '' ) {
			$this->refuse( 'referer', 'an original requested without a Referer', 1 );
		}
		$now = microtime( true );
		$id = uniqid( '', true );
		$verdict = $this->withState( function ( array &$state ) use ( $now, $id ) {
			$flights = array_filter( $state['flights ' . $this->client] ?? [],
				static function ( $seen ) use ( $now ) {
					// A worker killed mid-transfer leaves its entry; it goes stale.
					return $seen > $now - 30;
				} );
			if ( count( $flights ) >= $this->limits['media_in_flight'] ) {
				$state['flights ' . $this->client] = $flights;
				return [ 'in-flight', count( $flights ) . ' downloads already in flight', 1 ];
			}
			$tokens = $this->bucket( $state, $now );
			if ( $this->limits['media_mbit'] > 0 && $tokens <= 0 ) {
				// Back when the bucket has refilled above empty.
				return [ 'media-rate', sprintf( 'over %s Mbit/s averaged over %s s',
					$this->limits['media_mbit'], $this->limits['media_window'] ),
					-$tokens / $this->rate() ];
			}
			$flights[$id] = $now;
			$state['flights ' . $this->client] = $flights;
			return null;
		} );
		if ( $verdict ) {
			$this->refuse( ...$verdict );
		}
		$this->flightId = $id;
		register_shutdown_function( function () {
			$this->land();
		} );
		$this->send( $file );
	}

	private function send( string $file ): void {
		$size = filesize( $file );
		$start = 0;
		$end = $size - 1;
		if ( preg_match( '/^bytes=(\d*)-(\d*)$/', $_SERVER['HTTP_RANGE'] ?? '', $m ) ) {
			$start = $m[1] === '' ? max( 0, $size - (int)$m[2] ) : (int)$m[1];
			$end = ( $m[1] !== '' && $m[2] !== '' ) ? min( (int)$m[2], $size - 1 ) : $size - 1;
			if ( $start >= $size ) {
				http_response_code( 416 );
				header( "Content-Range: bytes */$size" );
				return;
			}
			http_response_code( 206 );
			header( "Content-Range: bytes $start-$end/$size" );
		}
		header( 'Content-Type: ' . ( mime_content_type( $file ) ?: 'application/octet-stream' ) );
		header( 'Content-Length: ' . ( $end - $start + 1 ) );
		header( 'Accept-Ranges: bytes' );
		ignore_user_abort( true );
		$in = fopen( $file, 'rb' );
		fseek( $in, $start );
		$left = $end - $start + 1;
		$unrecorded = 0;
		$recorded = microtime( true );
		while ( $left > 0 && !connection_aborted() ) {
			$piece = fread( $in, min( self::PIECE, $left ) );
			if ( $piece === false || $piece === '' ) {
				break;
			}
			echo $piece;
			flush();
			$left -= strlen( $piece );
			$unrecorded += strlen( $piece );
			if ( microtime( true ) - $recorded >= 0.1 || $left <= 0 ) {
				$this->record( $unrecorded );
				$unrecorded = 0;
				$recorded = microtime( true );
			}
		}
		if ( $unrecorded ) {
			$this->record( $unrecorded );
		}
		fclose( $in );
	}

	/** Count bytes just sent, and show that this download is still alive. */
	private function record( int $bytes ): void {
		$now = microtime( true );
		$this->withState( function ( array &$state ) use ( $bytes, $now ) {
			$state['bucket ' . $this->client] = [ $this->bucket( $state, $now ) - $bytes, $now ];
			if ( $this->flightId !== null ) {
				$state['flights ' . $this->client][$this->flightId] = $now;
			}
			return null;
		} );
	}

	private function land(): void {
		if ( $this->flightId === null ) {
			return;
		}
		$id = $this->flightId;
		$this->flightId = null;
		$this->withState( function ( array &$state ) use ( $id ) {
			unset( $state['flights ' . $this->client][$id] );
			return null;
		} );
	}

	/** Bytes per second the client may average. */
	private function rate(): float {
		return $this->limits['media_mbit'] * 125000;
	}

	/**
	 * The client's budget of bytes now: a bucket that holds media_window seconds of the
	 * rate and refills at the rate, so that a client averaging the rate over the window is
	 * never refused, and one above it is once the window's bytes are spent.
	 */
	private function bucket( array $state, float $now ): float {
		$capacity = $this->rate() * $this->limits['media_window'];
		[ $tokens, $stamp ] = $state['bucket ' . $this->client] ?? [ $capacity, $now ];
		return min( $capacity, $tokens + ( $now - $stamp ) * $this->rate() );
	}

	/**
	 * @param callable $change gets the state by reference, returns the caller's result
	 * @return mixed what $change returned
	 */
	private function withState( callable $change ) {
		$lock = fopen( "{$this->root}/strict.lock", 'c' );
		flock( $lock, LOCK_EX );
		try {
			$path = "{$this->root}/strict-state.json";
			$state = is_file( $path ) ? ( json_decode( file_get_contents( $path ), true ) ?: [] ) : [];
			$result = $change( $state );
			file_put_contents( $path, json_encode( $state ) );
			return $result;
		} finally {
			flock( $lock, LOCK_UN );
			fclose( $lock );
		}
	}

	/** Answer 429 with Retry-After, as Wikimedia does, and log the refusal. */
	private function refuse( string $rule, string $why, float $wait ): void {
		$seconds = max( 1, (int)ceil( $wait ) );
		file_put_contents( "{$this->root}/strict.log", sprintf( "%.3f\t%s\t%s\t%s\n",
			microtime( true ), $rule, $this->client, $_SERVER['REQUEST_URI'] ?? '' ),
			FILE_APPEND | LOCK_EX );
		http_response_code( 429 );
		header( "Retry-After: $seconds" );
		header( 'Content-Type: text/plain; charset=utf-8' );
		echo "Too many requests ($rule: $why). Please respect the limits: " .
			"https://www.mediawiki.org/wiki/Wikimedia_APIs/Rate_limits\n";
		exit;
	}
}
