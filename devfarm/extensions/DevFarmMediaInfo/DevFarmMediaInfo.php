<?php
/**
 * A `mediainfo` slot for file pages, as WikibaseMediaInfo defines it on Commons: the role
 * `mediainfo` with the content model `wikibase-mediainfo`, whose text is the entity's JSON
 * (type, id, labels, descriptions, statements). Nothing of Wikibase is here: the slot only
 * stores and serves that JSON, which is all the API's `rvslots=mediainfo` needs to show.
 */

use MediaWiki\MediaWikiServices;
use MediaWiki\Revision\SlotRoleRegistry;

class DevFarmMediaInfo {
	public const ROLE = 'mediainfo';
	public const MODEL = 'wikibase-mediainfo';

	/**
	 * @param MediaWikiServices $services
	 */
	public static function onMediaWikiServices( $services ): void {
		$services->addServiceManipulator( 'SlotRoleRegistry',
			static function ( SlotRoleRegistry $registry ): void {
				if ( !$registry->isDefinedRole( self::ROLE ) ) {
					$registry->defineRoleWithModel( self::ROLE, self::MODEL,
						[ 'display' => 'section' ] );
				}
			} );
	}
}

class DevFarmMediaInfoContent extends JsonContent {
	/**
	 * @param string $text the entity as JSON
	 */
	public function __construct( $text ) {
		parent::__construct( $text, DevFarmMediaInfo::MODEL );
	}
}

class DevFarmMediaInfoContentHandler extends JsonContentHandler {
	public function __construct( $modelId = DevFarmMediaInfo::MODEL ) {
		parent::__construct( $modelId );
	}

	protected function getContentClass() {
		return DevFarmMediaInfoContent::class;
	}
}
