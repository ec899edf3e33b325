-- SPDX-License-Identifier: MIT
-- 002: the API templates of the document-processing platform.
INSERT INTO api_templates (id, name, display_name, description) VALUES
  ('488f4644-057d-41e7-9a74-72c040602647',
   'assignment_evaluation_student_answer_sheet_extraction',
   'Assignment Answer Sheet Extraction', NULL),
  ('0193a3c4-0000-7000-8000-000000000002',
   'assignment_evaluation_question_paper_extraction',
   'Assignment Question Paper Extraction',
   'Extracts the questions and marking scheme from a question paper.'),
  ('0193a3c4-0000-7000-8000-000000000003',
   'assignment_evaluation_grading_report',
   'Assignment Grading Report',
   'Grades an extracted answer sheet against its marking scheme.');
