<?php
/**
 * Draws the raster seed files with GD: make_media.php OUTDIR NAME:KIND:WIDTH:HEIGHT:SEED ...
 * KIND is jpg, png, gif, webp, or noise (a JPEG of random pixels, for big files). The same arguments always give the same bytes.
 */
$out = $argv[1];
foreach ( array_slice( $argv, 2 ) as $spec ) {
	[ $name, $kind, $w, $h, $seed ] = explode( ':', $spec );
	mt_srand( (int)$seed );
	$im = imagecreatetruecolor( (int)$w, (int)$h );
	for ( $y = 0; $y < $h; $y += 8 ) {
		$c = imagecolorallocate( $im, mt_rand( 0, 255 ), mt_rand( 0, 255 ), mt_rand( 0, 255 ) );
		imagefilledrectangle( $im, 0, $y, $w - 1, $y + 7, $c );
	}
	for ( $i = 0; $i < 12; $i++ ) {
		$c = imagecolorallocate( $im, mt_rand( 0, 255 ), mt_rand( 0, 255 ), mt_rand( 0, 255 ) );
		imagefilledellipse( $im, mt_rand( 0, $w ), mt_rand( 0, $h ), mt_rand( 8, $w ), mt_rand( 8, $h ), $c );
	}
	if ( $kind === 'noise' ) {
		// Random pixels barely compress: a big file from a small command.
		for ( $y = 0; $y < $h; $y++ ) {
			for ( $x = 0; $x < $w; $x++ ) {
				imagesetpixel( $im, $x, $y, mt_rand( 0, 0xffffff ) );
			}
		}
		$kind = 'jpg';
	}
	$path = "$out/$name";
	match ( $kind ) {
		'jpg' => imagejpeg( $im, $path, 95 ),
		'png' => imagepng( $im, $path ),
		'gif' => imagegif( $im, $path ),
		'webp' => imagewebp( $im, $path, 80 ),
	};
}
