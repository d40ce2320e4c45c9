DROP TABLE web_forms;
DROP TABLE attachments;
