DROP INDEX contacts_private_assignee;
DROP INDEX contacts_private_author;
DROP TRIGGER contact_block_tallies_update;
DROP TRIGGER contact_block_tallies_delete;
DROP TRIGGER contact_block_tallies_insert;
DROP TABLE contact_block_tallies;
DROP TABLE contact_blocks;
