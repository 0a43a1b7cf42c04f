<?php
/**
 * Maintenance script of the dev farm: write a file page's mediainfo slot (its structured
 * data entity), keeping the main slot. The entity's id is set to "M<page id>", as on Commons.
 *
 *   php setEntity.php --title "File:Example.jpg" --file entity.json [--summary TEXT]
 *
 * An empty entity file removes the slot.
 */

use MediaWiki\MediaWikiServices;

require_once ( getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki' ) . '/maintenance/Maintenance.php';

class DevFarmSetEntity extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addOption( 'title', 'The file page', true, true );
		$this->addOption( 'file', 'The entity as JSON (empty: remove the slot)', true, true );
		$this->addOption( 'summary', 'Edit summary', false, true );
		$this->addOption( 'user', 'Who edits', false, true );
	}

	public function execute() {
		$services = MediaWikiServices::getInstance();
		$title = Title::newFromText( $this->getOption( 'title' ) );
		if ( !$title || !$title->exists() ) {
			$this->fatalError( 'no such page: ' . $this->getOption( 'title' ) );
		}
		$user = $services->getUserFactory()->newFromName( $this->getOption( 'user', 'Admin' ) );
		$page = $services->getWikiPageFactory()->newFromTitle( $title );
		$updater = $page->newPageUpdater( $user );
		$json = trim( file_get_contents( $this->getOption( 'file' ) ) );
		if ( $json === '' ) {
			$updater->removeSlot( DevFarmMediaInfo::ROLE );
		} else {
			$entity = json_decode( $json, true );
			$entity['type'] = 'mediainfo';
			$entity['id'] = 'M' . $title->getArticleID();
			$updater->setContent( DevFarmMediaInfo::ROLE, new DevFarmMediaInfoContent(
				json_encode( $entity, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES ) ) );
		}
		$comment = CommentStoreComment::newUnsavedComment(
			$this->getOption( 'summary', 'structured data' ) );
		$revision = $updater->saveRevision( $comment, EDIT_UPDATE );
		if ( !$updater->getStatus()->isOK() ) {
			$this->fatalError( $updater->getStatus()->getWikiText() );
		}
		$this->output( ( $revision ? $revision->getId() : 0 ) . "\n" );
	}
}

$maintClass = DevFarmSetEntity::class;
require_once RUN_MAINTENANCE_IF_MAIN;
